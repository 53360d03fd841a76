#include "server/metrics.h"

#include <cstdio>

namespace hearth::server {

namespace {

// Label values escape backslash, double quote and newline.
std::string escape_label(const std::string& v) {
  std::string out;
  for (const char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// Appends families in the exposition format: a HELP and TYPE line, then
// the samples.
class Exposition {
 public:
  void family(const std::string& name, const char* type, const char* help) {
    text_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void sample(const std::string& name, const std::string& labels, const std::string& value) {
    text_ += name + (labels.empty() ? "" : "{" + labels + "}") + " " + value + "\n";
  }
  void histogram(const std::string& name, const std::string& labels, const engine::Histogram::Snapshot& h) {
    const std::string sep = labels.empty() ? "" : labels + ",";
    for (size_t i = 0; i < h.bounds.size(); ++i) {
      sample(name + "_bucket", sep + "le=\"" + number(h.bounds[i]) + "\"", std::to_string(h.buckets[i]));
    }
    sample(name + "_bucket", sep + "le=\"+Inf\"", std::to_string(h.count));
    sample(name + "_sum", labels, number(h.sum));
    sample(name + "_count", labels, std::to_string(h.count));
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

// Counts the wrapped body's final status once: when pull() ends it, or
// 499 when the client cancels first.
class CountedSource : public BodySource {
 public:
  CountedSource(std::shared_ptr<BodySource> inner, std::shared_ptr<RequestCounter> counter, std::string route,
                bool streamed)
      : inner_(std::move(inner)), counter_(std::move(counter)), route_(std::move(route)), streamed_(streamed) {}

  void start(std::function<void()> ready) override { inner_->start(std::move(ready)); }
  bool pull(std::string& out) override {
    const bool more = inner_->pull(out);
    // A streamed reply's status line (200) is sent before the body.
    if (!more) count(streamed_ ? 200 : inner_->status());
    return more;
  }
  void cancel() override {
    inner_->cancel();
    count(499);
  }
  int status() const override { return inner_->status(); }

 private:
  void count(int status) {
    if (counted_) return;
    counted_ = true;
    counter_->add(route_, status);
  }

  std::shared_ptr<BodySource> inner_;
  std::shared_ptr<RequestCounter> counter_;
  std::string route_;
  bool streamed_;
  bool counted_ = false;
};

}  // namespace

void RequestCounter::add(const std::string& route, int status) {
  std::lock_guard lock(mu_);
  ++counts_[{route, status}];
}

std::map<std::pair<std::string, int>, uint64_t> RequestCounter::snapshot() const {
  std::lock_guard lock(mu_);
  return counts_;
}

HttpReply counted(const std::shared_ptr<RequestCounter>& counter, const std::string& route, HttpReply reply) {
  if (!reply.source) {
    counter->add(route, reply.status);
    return reply;
  }
  reply.source = std::make_shared<CountedSource>(std::move(reply.source), counter, route, reply.streamed);
  return reply;
}

std::string render_metrics(const RequestCounter& requests, const std::vector<const ModelService*>& models) {
  Exposition e;
  e.family("hearth_http_requests_total", "counter", "HTTP requests answered, by route and final status.");
  for (const auto& [key, n] : requests.snapshot()) {
    e.sample("hearth_http_requests_total",
             "route=\"" + escape_label(key.first) + "\",status=\"" + std::to_string(key.second) + "\"",
             std::to_string(n));
  }
  struct Family {
    const char* name;
    const char* type;
    const char* help;
  };
  const auto label = [](const ModelService* m) { return "model=\"" + escape_label(m->id()) + "\""; };
  // Families in a fixed order, each with one sample per model.
  const auto per_model = [&](const Family& f, auto value_of) {
    e.family(f.name, f.type, f.help);
    for (const ModelService* m : models) e.sample(f.name, label(m), value_of(*m));
  };
  const auto u = [](uint64_t v) { return std::to_string(v); };
  per_model({"hearth_prompt_tokens_total", "counter", "Prompt tokens evaluated."},
            [&](const ModelService& m) { return u(m.scheduler_metrics().prompt_tokens.load()); });
  per_model({"hearth_generated_tokens_total", "counter", "Tokens generated."},
            [&](const ModelService& m) { return u(m.scheduler_metrics().generated_tokens.load()); });
  per_model({"hearth_embedding_inputs_total", "counter", "Embedding inputs pooled."},
            [&](const ModelService& m) { return u(m.scheduler_metrics().embedded_inputs.load()); });
  per_model({"hearth_queue_depth", "gauge", "Requests waiting to be admitted."},
            [&](const ModelService& m) { return u(m.scheduler_stats().waiting); });
  per_model({"hearth_running_sequences", "gauge", "Sequences in the running batch."},
            [&](const ModelService& m) { return u(m.scheduler_stats().running); });
  per_model({"hearth_kv_cells_used", "gauge", "KV cells holding a token."},
            [&](const ModelService& m) { return std::to_string(m.scheduler_stats().cells_used); });
  per_model({"hearth_kv_cells_total", "gauge", "KV cells shared by all sequences (the context)."},
            [&](const ModelService& m) { return std::to_string(m.n_ctx()); });
  per_model({"hearth_model_load_seconds", "gauge", "Seconds taken to load the model (weights, tokenizer, KV cache)."},
            [&](const ModelService& m) { return number(m.load_seconds()); });
  e.family("hearth_time_to_first_token_seconds", "histogram",
           "Seconds from a request's arrival at the scheduler to its first token (queueing and prefill included).");
  for (const ModelService* m : models) {
    e.histogram("hearth_time_to_first_token_seconds", label(m), m->scheduler_metrics().time_to_first_token.snapshot());
  }
  e.family("hearth_inter_token_latency_seconds", "histogram", "Seconds between consecutive tokens of a sequence.");
  for (const ModelService* m : models) {
    e.histogram("hearth_inter_token_latency_seconds", label(m), m->scheduler_metrics().inter_token_latency.snapshot());
  }
  return e.take();
}

HttpReply metrics_reply(const RequestCounter& requests, const std::vector<const ModelService*>& models) {
  HttpReply r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = render_metrics(requests, models);
  return r;
}

}  // namespace hearth::server
