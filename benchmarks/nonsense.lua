-- POST /webmention with a source that is not a URL: 400, one rejection-log line each.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "source=nonsense&target=https%3A%2F%2Fblog.example%2Fposts%2F1"
