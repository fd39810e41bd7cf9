// The built-in classifiers, by name.
#include "predict/classifiers.h"

namespace prescale {

const ClassifierRegistry& Classifiers() {
  static const ClassifierRegistry* registry = [] {
    auto* r = new ClassifierRegistry("classifier");
    r->Register("xgboost", predict::ModelClassifier::Create);
    r->Register("remote", predict::RemoteClassifier::Create);
    return r;
  }();
  return *registry;
}

}  // namespace prescale
