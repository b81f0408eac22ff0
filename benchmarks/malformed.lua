-- Malformed XML-RPC from an ordinary user agent: parsed, fault -32700, one rejection-log line each.
wrk.method = "POST"
wrk.headers["User-Agent"] = "Mozilla/5.0 (benchmark)"
wrk.headers["Content-Type"] = "text/xml"
wrk.body = '<?xml version="1.0"?><methodCall><methodName>pingback.ping</methodName><params>'
