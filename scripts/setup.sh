#!/usr/bin/env bash
# Installs, from Debian's packages, exactly what prescale's build and tests need.
# Idempotent: when everything is present it only checks, in well under a second.
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build ccache pkg-config
  # libraries
  nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libfmt-dev libsqlite3-dev
  libcpp-httplib-dev prometheus-cpp-dev libxgboost-dev
  # charts (prescale plot): cairo, and the DejaVu fonts it finds through fontconfig
  libcairo2-dev fonts-dejavu-core
  # the AWS client: HTTPS, SigV4's HMAC-SHA256, the Query protocol's XML
  libcurl4-openssl-dev libssl-dev libexpat1-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # real servers for the prometheus source's integration test
  prometheus prometheus-node-exporter
  # the dashboard's browser test: headless Chromium driven by Selenium
  chromium chromium-driver python3-selenium
  # the elasticity benchmark in ../shared/bench (Debian's python3 with numpy)
  python3 python3-numpy
  # the real AWS CLI and SDK, to prove the fake AWS endpoint speaks AWS
  awscli python3-botocore
  # Python's xgboost, to prove it predicts as prescale does (tests/xgboost_parity_test.py)
  python3-xgboost
  # hardening: property tests, libFuzzer (clang), load tests, HA through a real etcd
  librapidcheck-dev clang-14 libclang-rt-14-dev wrk etcd-server
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
