#!/usr/bin/python3
"""Signs requests with botocore's SigV4Auth, for the cross-check in client_test.cc.

Usage: botocore_sign.py CASES.json  -> prints a JSON list of Authorization headers.
Each case: url, body, service, region, content_type, token ("" for none), time
("2024-01-15T10:00:00Z"). Credentials are the SigV4 test suite's.
"""

import datetime
import json
import sys
from unittest import mock

import botocore.auth
import botocore.awsrequest
import botocore.credentials

KEY = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def sign(case):
    creds = botocore.credentials.Credentials(KEY, SECRET, case["token"] or None)
    request = botocore.awsrequest.AWSRequest(
        method="POST",
        url=case["url"],
        data=case["body"].encode(),
        headers={"Content-Type": case["content_type"]},
    )
    when = datetime.datetime.strptime(case["time"], "%Y-%m-%dT%H:%M:%SZ")
    with mock.patch.object(botocore.auth.datetime, "datetime") as fake:
        fake.utcnow.return_value = when
        fake.now.return_value = when
        botocore.auth.SigV4Auth(creds, case["service"], case["region"]).add_auth(request)
    return request.headers["Authorization"]


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    print(json.dumps([sign(c) for c in cases]))


if __name__ == "__main__":
    main()
