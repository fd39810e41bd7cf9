#include "predict/classifiers.h"

#include <httplib.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/text.h"

namespace prescale::predict {

Result<std::unique_ptr<Classifier>> ModelClassifier::Create(const Params& params,
                                                            const ClassifierContext&) {
  if (Status s = params.CheckKnown({"model"}); !s.ok()) return s;
  auto path = params.Text("model", "");
  if (!path.ok()) return path.status();
  const bool default_model = path->empty();
  const std::string file = default_model ? DefaultModelPath() : *path;
  auto model = DemandModel::Load(file);
  if (!model.ok()) {
    if (default_model) {
      return model.status().WithContext(
          "the default model (built by the build; make it with `prescale train --synthetic "
          "--out " +
          file + "`, or name one with `model:`)");
    }
    return Status::Error(params.Where("model") + model.status().message());
  }
  return std::unique_ptr<Classifier>(
      new ModelClassifier(std::shared_ptr<const DemandModel>(std::move(model.value()))));
}

Result<PredictorUrl> ParsePredictorUrl(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  const std::string_view scheme = url.substr(0, scheme_end);
  if (scheme_end == std::string_view::npos || (scheme != "http" && scheme != "https")) {
    return Status::Error("predictor URL must start with http:// or https://, got " + Quote(url));
  }
  const std::string_view rest = url.substr(scheme_end + 3);
  const std::size_t slash = rest.find('/');
  PredictorUrl out;
  const std::string_view host = rest.substr(0, slash);
  if (host.empty() || host.front() == ':')
    return Status::Error("predictor URL has no host: " + Quote(url));
  out.scheme_host_port = std::string(scheme) + "://" + std::string(host);
  out.path = slash == std::string_view::npos ? "/predict" : std::string(rest.substr(slash));
  if (out.path == "/") out.path = "/predict";
  if (!httplib::Client(out.scheme_host_port).is_valid()) {
    return Status::Error("predictor URL " + Quote(url) + " is not one the HTTP client can use");
  }
  return out;
}

RemoteClassifier::RemoteClassifier(PredictorUrl url, std::chrono::milliseconds timeout)
    : url_(std::move(url)),
      timeout_(timeout),
      client_(std::make_unique<httplib::Client>(url_.scheme_host_port)) {
  client_->set_connection_timeout(timeout_);
  client_->set_read_timeout(timeout_);
  client_->set_write_timeout(timeout_);
  client_->set_tcp_nodelay(true);
  client_->set_keep_alive(true);
}

RemoteClassifier::~RemoteClassifier() = default;

Result<std::unique_ptr<Classifier>> RemoteClassifier::Create(const Params& params,
                                                             const ClassifierContext&) {
  if (Status s = params.CheckKnown({"predictor_url", "timeout_s"}); !s.ok()) return s;
  ParamReader r(params);
  const std::string url = r.Text("predictor_url", "");
  const double timeout_s = r.NumberIn("timeout_s", 6, 0.001, 3600);
  if (!r.status().ok()) return r.status();
  auto parsed = ParsePredictorUrl(url);
  if (!parsed.ok()) {
    return Status::Error(params.Where("predictor_url") + parsed.status().message());
  }
  return std::unique_ptr<Classifier>(new RemoteClassifier(
      std::move(parsed.value()),
      std::chrono::milliseconds(static_cast<long long>(std::ceil(timeout_s * 1000)))));
}

std::string PredictRequestBody(const Seed2Features& f) {
  nlohmann::json features =
      nlohmann::json::array({f.cpu_usage, f.memory_usage, f.network_traffic, f.power_consumption,
                             f.num_executed_instructions, f.execution_time, f.energy_efficiency,
                             f.task_type, f.task_priority});
  return nlohmann::json{{"features", std::move(features)}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Classification> ParsePredictAnswer(std::string_view body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Error("the answer is not a JSON object");
  auto p = j.find("prediction");
  if (p == j.end() || !p->is_number_integer()) {
    return Status::Error("the answer has no integer \"prediction\"");
  }
  auto c = DemandClassFromIndex(p->get<long long>());
  if (!c) return Status::Error("\"prediction\" " + p->dump() + " is not 0, 1 or 2");
  Classification out;
  out.demand_class = *c;
  if (auto conf = j.find("confidence"); conf != j.end() && conf->is_number()) {
    const double v = conf->get<double>();
    if (!(v >= 0 && v <= 1))
      return Status::Error("\"confidence\" " + conf->dump() + " is not in [0, 1]");
    out.confidence = v;
    out.probabilities[static_cast<int>(*c)] = v;
  }
  return out;
}

Result<Classification> RemoteClassifier::Classify(const Seed2Features& features) {
  const std::string where = "POST " + url_.scheme_host_port + url_.path;
  httplib::Result res = client_->Post(url_.path, PredictRequestBody(features), "application/json");
  if (!res) {
    std::string why = httplib::to_string(res.error());
    switch (res.error()) {
      case httplib::Error::Connection:
        why = "cannot connect (is the prediction service running?)";
        break;
      case httplib::Error::ConnectionTimeout:
      case httplib::Error::Read:
        why = "no answer (the read failed or took over the " +
              FormatNumber(timeout_.count() / 1000.0) + " s timeout)";
        break;
      default:
        break;
    }
    return Status::Error(where + ": " + why);
  }
  if (res->status != 200) {
    return Status::Error(where + ": HTTP " + std::to_string(res->status) + " " + Quote(res->body));
  }
  auto parsed = ParsePredictAnswer(res->body);
  if (!parsed.ok())
    return parsed.status().WithContext(where + ": malformed answer " + Quote(res->body));
  return parsed;
}

}  // namespace prescale::predict
