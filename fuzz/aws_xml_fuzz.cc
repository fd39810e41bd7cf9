// libFuzzer harness: AWS Query-protocol answers (shared/aws/PROTOCOL.md): the XML
// tree, then each reader prescale applies to it (DescribeAutoScalingGroups,
// GetMetricData, ListMetrics, error answers). Any body must be read or refused with
// an error; never a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "aws/autoscaling.h"
#include "aws/client.h"
#include "aws/cloudwatch.h"
#include "aws/time_format.h"
#include "aws/xml.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace aws = prescale::aws;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)aws::ParseErrorAnswer(400, body);
  prescale::Result<aws::XmlNode> root = aws::ParseXml(body);
  if (!root.ok()) return 0;
  std::string next;
  if (auto groups = aws::ParseDescribeAutoScalingGroups(*root, &next); groups.ok()) {
    for (const aws::AutoScalingGroup& g : *groups) {
      (void)g.ready();
      (void)g.InServiceIds();
    }
  }
  (void)aws::ParseGetMetricData(*root);
  (void)aws::ParseListMetrics(*root, &next);
  // Timestamps as CloudWatch writes them, from the element texts.
  if (const aws::XmlNode* first = root->children.empty() ? nullptr : &root->children[0]) {
    (void)aws::ParseIsoTime(first->text);
  }
  (void)aws::ParseIsoTime(root->text);
  return 0;
}
