-- GET /webmention: Linkback's cheapest route (the form page, from memory).
wrk.method = "GET"
