import Foundation
import Testing

@testable import LinkbackKit

@Suite struct ConfigTests {
    @Test func emptyFileGivesTheDocumentedDefaults() throws {
        let config = try ConfigLoader.parse(yaml: "", origin: "empty.yaml")
        #expect(config.server.host == "127.0.0.1")
        #expect(config.server.port == 8080)
        #expect(config.server.baseURL == "http://127.0.0.1:8080")
        #expect(config.server.trustedProxies.isEmpty)
        #expect(config.database.path == "var/linkback.sqlite")
        #expect(config.sites.isEmpty)
        #expect(config.moderation.autoApprove == false)
        #expect(config.moderation.allowDomains.isEmpty)
        #expect(config.fetch.timeoutSeconds == 10)
        #expect(config.fetch.maxBytes == 1_048_576)
        #expect(config.fetch.maxRedirects == 8)
        #expect(config.fetch.allowHosts.isEmpty)
        #expect(config.logging.level == .info)
        #expect(config.logging.fail2banLog == "var/fail2ban.log")
        #expect(config.admin.token == "")
    }

    @Test func fileValuesOverrideDefaults() throws {
        let yaml = """
            server:
              host: 0.0.0.0
              port: 9090
              base_url: https://mentions.example.com
              trusted_proxies: [10.0.0.0/8, "::1"]
            sites:
              - example.com
              - blog.example.org:8443
            moderation:
              auto_approve: yes
              allow_domains: [Friends.Example]
            fetch:
              timeout_seconds: 2.5
              allow_hosts: ["127.0.0.1:8000"]
            logging:
              level: debug
            admin:
              token: s3cret
            """
        let config = try ConfigLoader.parse(yaml: yaml, origin: "test.yaml")
        #expect(config.server.host == "0.0.0.0")
        #expect(config.server.port == 9090)
        #expect(config.server.baseURL == "https://mentions.example.com")
        #expect(config.server.trustedProxies == [CIDR("10.0.0.0/8")!, CIDR("::1")!])
        #expect(config.sites == [HostPort(host: "example.com", port: nil), HostPort(host: "blog.example.org", port: 8443)])
        #expect(config.moderation.autoApprove)
        #expect(config.moderation.allowDomains == ["friends.example"])
        #expect(config.fetch.timeoutSeconds == 2.5)
        #expect(config.fetch.allowHosts == [HostPort(host: "127.0.0.1", port: 8000)])
        #expect(config.logging.level == .debug)
        #expect(config.admin.token == "s3cret")
    }

    /// `storage.keep` and `storage.forget_client_after_days`: what a mention keeps, and a wrong
    /// type or field named with the item it is in.
    @Test func storageSettings() throws {
        let config = try ConfigLoader.parse(yaml: """
            storage:
              keep:
                - types: [like, repost]
                  fields: [author]
                - types: [mention, like]
                  fields: []
              forget_client_after_days: 30
            """, origin: "storage.yaml")
        #expect(config.storage.keep == [.like: [.author], .repost: [.author], .mention: []])
        #expect(config.storage.forgetClientAfterDays == 30)
        let now = Date(timeIntervalSince1970: 100 * 86_400)
        #expect(config.storage.clientCutoff(now: now) == Date(timeIntervalSince1970: 70 * 86_400))
        #expect(try ConfigLoader.parse(yaml: "", origin: "e.yaml").storage.clientCutoff(now: now) == nil)
        let full = MentionContent(type: .like, title: "t", contentText: "x", authorName: "Ann", authorURL: "https://ann.example/")
        #expect(config.storage.kept(full) == MentionContent(type: .like, authorName: "Ann", authorURL: "https://ann.example/"))
        #expect(config.storage.kept(MentionContent(type: .mention, excerpt: "e", authorName: "B")) == MentionContent(type: .mention))
        let reply = MentionContent(type: .reply, contentText: "kept", authorName: "C")
        #expect(config.storage.kept(reply) == reply)
        for (yaml, message) in [
            ("storage:\n  keep:\n    - types: [likes]\n      fields: []", "types are"),
            ("storage:\n  keep:\n    - types: [like]\n      fields: [face]", "fields are author and content"),
        ] {
            #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml: yaml, origin: "bad.yaml") }
            do { _ = try ConfigLoader.parse(yaml: yaml, origin: "bad.yaml") } catch {
                #expect("\(error)".contains(message) && "\(error)".contains("storage.keep"), "\(error)")
            }
        }
    }

    @Test func environmentOverridesFile() throws {
        let environment = [
            "LINKBACK_SERVER_PORT": "7070",
            "LINKBACK_SITES": "a.example, b.example:81",
            "LINKBACK_MODERATION_AUTO_APPROVE": "true",
            "LINKBACK_ADMIN_TOKEN": "from-env",
        ]
        let config = try ConfigLoader.parse(
            yaml: "server:\n  port: 9090\nsites: [c.example]\n", origin: "f.yaml", environment: environment)
        #expect(config.server.port == 7070)
        #expect(config.sites.map(\.description) == ["a.example", "b.example:81"])
        #expect(config.moderation.autoApprove)
        #expect(config.admin.token == "from-env")
    }

    @Test func environmentNamesFollowTheKeys() {
        #expect(ConfigKey.named("server.base_url")?.environmentName == "LINKBACK_SERVER_BASE_URL")
        #expect(ConfigKey.named("fetch.max_bytes")?.environmentName == "LINKBACK_FETCH_MAX_BYTES")
        #expect(ConfigKey.named("sites")?.environmentName == "LINKBACK_SITES")
    }

    @Test func pathPrecedence() {
        #expect(ConfigLoader.path(explicit: "a.yaml", environment: ["LINKBACK_CONFIG": "b.yaml"]) == "a.yaml")
        #expect(ConfigLoader.path(explicit: nil, environment: ["LINKBACK_CONFIG": "b.yaml"]) == "b.yaml")
        #expect(ConfigLoader.path(explicit: nil, environment: [:], exists: { _ in true }) == "config/linkback.yaml")
        // An installed server (make install) is found without --config.
        #expect(ConfigLoader.path(explicit: nil, environment: [:], exists: { $0 == "/etc/linkback/linkback.yaml" })
            == "/etc/linkback/linkback.yaml")
        #expect(ConfigLoader.path(explicit: nil, environment: [:], exists: { _ in false }) == "config/linkback.yaml")
    }

    @Test(arguments: [
        ("server:\n  port: nope\n", "bad.yaml:2: server.port: expected an integer, got \"nope\""),
        ("server:\n  port: 70000\n", "bad.yaml:2: server.port: expected an integer from 0 to 65535, got 70000"),
        ("server:\n  prot: 1\n", "bad.yaml:2: server.prot: unknown key; did you mean server.port?"),
        ("colour: red\n", "bad.yaml:1: colour: unknown key"),
        ("moderation:\n  autoapprove: true\n", "bad.yaml:2: moderation.autoapprove: unknown key; did you mean moderation.auto_approve?"),
        ("server:\n  base_url: ftp://x\n", "bad.yaml:2: server.base_url: expected an absolute http or https URL, got \"ftp://x\""),
        ("server:\n  base_url: https://x.example/\n", "bad.yaml:2: server.base_url: must not end with a slash, got \"https://x.example/\""),
        ("server:\n  trusted_proxies: [10.0.0.0/33]\n", "bad.yaml:2: server.trusted_proxies: expected IP addresses or CIDR ranges, \"10.0.0.0/33\" is neither"),
        ("sites: example.com\n", "bad.yaml:1: sites: expected a list"),
        ("sites: [\"exa mple.com\"]\n", "bad.yaml:1: sites: expected host or host:port values, \"exa mple.com\" is not one"),
        ("fetch:\n  allow_hosts: [localhost]\n", "bad.yaml:2: fetch.allow_hosts: expected host:port values, \"localhost\" has no port"),
        ("fetch:\n  max_bytes: 10\n", "bad.yaml:2: fetch.max_bytes: expected an integer from 1024 to 1073741824, got 10"),
        ("moderation:\n  auto_approve: maybe\n", "bad.yaml:2: moderation.auto_approve: expected true or false, got \"maybe\""),
        ("logging:\n  level: loud\n", "bad.yaml:2: logging.level: expected one of trace, debug, info, notice, warning, error, critical, got \"loud\""),
        ("server:\n  port:\n", "bad.yaml:2: server.port: missing value"),
        ("server:\n  port: [1]\n", "bad.yaml:2: server.port: expected a single value, not a list or mapping"),
        ("- a\n- b\n", "bad.yaml: expected a mapping of keys at the top level"),
    ])
    func invalidFilesNameTheKeyAndTheProblem(yaml: String, message: String) {
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml: yaml, origin: "bad.yaml") }
        do {
            _ = try ConfigLoader.parse(yaml: yaml, origin: "bad.yaml")
        } catch {
            #expect(error.description == message)
        }
    }

    /// Review item 6: a misspelt variable (a typo in a systemd Environment= line) is refused with
    /// the likely name; a list of objects says the JSON it expects.
    @Test func unknownEnvironmentVariablesAreRefusedWithASuggestion() {
        func message(_ environment: [String: String]) -> String? {
            do {
                _ = try ConfigLoader.parse(yaml: "", origin: "f.yaml", environment: environment)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(message(["LINKBACK_SERVR_PORT": "1"])
            == "environment variable LINKBACK_SERVR_PORT: unknown variable; did you mean LINKBACK_SERVER_PORT?")
        #expect(message(["LINKBACK_WHATEVER_ELSE_ENTIRELY": "1"]) == "environment variable LINKBACK_WHATEVER_ELSE_ENTIRELY: unknown variable")
        #expect(message(["LINKBACK_CONFIG": "x.yaml", "OTHER_SERVR_PORT": "1"]) == nil)
        #expect(message(["LINKBACK_API_TOKENS": "abc"])
            == #"environment variable LINKBACK_API_TOKENS: api.tokens: expected a list of objects; in the environment as JSON: [{"token": "…", "sites": ["…"], "private": "…"}]"#)
    }

    /// Review F16: no secret reaches an error message or a log line: not the line of a YAML syntax
    /// error (the admin token's, say), not a database password with `#`, not a webhook URL's query.
    @Test func secretsStayOutOfErrorsAndLogs() {
        do {
            _ = try ConfigLoader.parse(yaml: "admin:\n  token: \"s3cr3t-admin-token-value\n  other: [\n", origin: "f.yaml")
            Issue.record("parsed")
        } catch {
            #expect(!error.description.contains("s3cr3t"), "\(error.description)")
            #expect(error.description.hasPrefix("f.yaml: not valid YAML: line "), "\(error.description)")
        }
        do {
            _ = try ConfigLoader.parse(yaml: "database:\n  url: \"postgres://linkback:pa#ss/word@db.example\"\n", origin: "f.yaml")
            Issue.record("parsed")
        } catch {
            #expect(!error.description.contains("pa#ss"), "\(error.description)")
        }
        #expect(PostgresLocation.redacted("postgres://u:pa#ss/w@h/db") == "postgres://u:********@h/db")
        #expect(PostgresLocation.redacted("postgres://u@h/db") == "postgres://u@h/db")
        #expect(Secret.loggable(url: "https://user:pw@hooks.example/in?token=abc#x") == "https://hooks.example/in?…")
        #expect(Secret.loggable(url: "https://hooks.example/in") == "https://hooks.example/in")
    }

    @Test func invalidEnvironmentValueNamesTheVariable() {
        do {
            _ = try ConfigLoader.parse(yaml: "", origin: "f.yaml", environment: ["LINKBACK_FETCH_MAX_REDIRECTS": "-1"])
            Issue.record("expected an error")
        } catch {
            #expect(
                error.description
                    == "environment variable LINKBACK_FETCH_MAX_REDIRECTS: fetch.max_redirects: expected an integer from 0 to 50, got -1"
            )
        }
    }

    @Test func malformedYAMLIsOneLine() {
        do {
            _ = try ConfigLoader.parse(yaml: "server: [\n", origin: "f.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("f.yaml: not valid YAML: "))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func missingFileIsReported() throws {
        do {
            _ = try ConfigLoader.load(path: "/nonexistent/linkback.yaml", environment: [:])
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/linkback.yaml: no such file; name the configuration with --config"))
        }
    }

    @Test func describeMasksSecrets() throws {
        let config = try ConfigLoader.parse(yaml: "admin:\n  token: hunter2\n", origin: "f.yaml")
        let text = config.describe()
        #expect(text.contains("admin.token: ********"))
        #expect(!text.contains("hunter2"))
        #expect(text.contains("server.port: 8080"))
        #expect(text.split(separator: "\n").count == ConfigKey.all.count)
    }

    /// Lists of objects (`api.tokens`, `webhooks`) from YAML and, as JSON, from the environment;
    /// checked field by field and masked when printed.
    @Test func listsOfObjects() throws {
        let yaml = """
            api:
              tokens:
                - token: build-token-0123456789
                  sites: [blog.example, "notes.example:8443"]
            webhooks:
              - url: https://hooks.example/in
                secret: hook-secret-0123456789
                events: [approved, deleted]
            """
        let config = try ConfigLoader.parse(yaml: yaml, origin: "f.yaml")
        #expect(config.api.tokens.count == 1)
        #expect(config.api.tokens[0].sites == [HostPort(host: "blog.example", port: nil), HostPort(host: "notes.example", port: 8443)])
        #expect(config.webhooks == [Config.Webhook(url: "https://hooks.example/in", secret: "hook-secret-0123456789", events: [.approved, .deleted])])
        let text = config.describe()
        #expect(!text.contains("build-token-0123456789") && !text.contains("hook-secret-0123456789"))
        #expect(text.contains("sites: [blog.example, notes.example:8443]"))

        let environment = [
            "LINKBACK_WEBHOOKS": #"[{"url": "https://env.example/h", "secret": "env-secret-0123456789"}]"#,
        ]
        let fromEnvironment = try ConfigLoader.parse(yaml: yaml, origin: "f.yaml", environment: environment)
        #expect(fromEnvironment.webhooks.map(\.url) == ["https://env.example/h"])
        #expect(fromEnvironment.webhooks.first?.events == WebhookEvent.visibility)

        for (bad, message) in [
            ("api:\n  tokens:\n    - token: short\n      sites: [blog.example]\n", "at least 16 characters"),
            ("api:\n  tokens:\n    - token: long-enough-token-123\n", "sites is required"),
            ("api:\n  tokens: [blog.example]\n", "expected an object"),
            ("api:\n  tokens:\n    - token: long-enough-token-123\n      sites: [blog.example]\n      private: maybe\n", "private must be true or false"),
            ("webhooks:\n  - url: ftp://x.example/\n    secret: long-enough-secret-1\n", "http or https"),
            ("webhooks:\n  - url: https://x.example/\n    secret: long-enough-secret-1\n    events: [liked]\n", "not \"liked\""),
            ("webhooks:\n  - url: https://x.example/\n    secret: long-enough-secret-1\n    colour: red\n", "unknown field"),
            ("verification:\n  target_aliases:\n    - from: https://www.blog.example/posts\n      to: https://blog.example\n",
             "from must be an origin"),
            ("verification:\n  target_aliases:\n    - from: https://blog.example\n      to: https://BLOG.example/\n", "the same origin"),
        ] {
            #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml: bad, origin: "f.yaml") }
            do {
                _ = try ConfigLoader.parse(yaml: bad, origin: "f.yaml")
            } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
        #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(yaml: "", origin: "f.yaml", environment: ["LINKBACK_API_TOKENS": "{not json"])
        }
        let aliased = try ConfigLoader.parse(
            yaml: "verification:\n  target_aliases:\n    - from: HTTP://WWW.Blog.example:80\n      to: https://blog.example/\n",
            origin: "f.yaml")
        #expect(aliased.verification.targetAliases.rewrite("http://www.blog.example/post#c") == "https://blog.example/post#c")
        #expect(aliased.verification.targetAliases.rewrite("http://www.blog.example.evil/post") == nil)
    }
}
