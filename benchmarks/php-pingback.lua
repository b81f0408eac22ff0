-- The classic pingback bot: User-Agent PHP/5.2.10 and a malformed body. Refused at the door by
-- spam.block_user_agents (fault 49), one rejection-log line each.
wrk.method = "POST"
wrk.headers["User-Agent"] = "PHP/5.2.10"
wrk.headers["Content-Type"] = "text/xml"
wrk.body = '<?xml version="1.0"?><methodCall><methodName>pingback.ping</methodName><params>'
