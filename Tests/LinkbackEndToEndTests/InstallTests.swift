import Foundation
import LinkbackTestSupport
import Testing

/// `make install` and what it installs, checked by the tools that will read each file: the
/// layout under DESTDIR, `systemd-analyze verify` for the unit, `logrotate` for the rotation
/// (a real rotation of a running server's log under load), `apache2 -t` and `nginx -t` for the
/// proxy snippets.
@Suite(.serialized) struct InstallTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs `make TARGETS` in the repository with DESTDIR and the already built binary.
    static func make(_ targets: [String], destination: String) async throws -> Command.Output {
        try await Command.run(
            "make",
            ["-s", "-C", repository.path] + targets + ["DESTDIR=\(destination)", "BINARY=\(LinkbackProcess.binaryPath)"])
    }

    /// Every file and empty directory under `root`, relative to it, sorted.
    static func layout(of root: String) -> [String] {
        let manager = FileManager.default
        var entries: [String] = []
        for case let path as String in manager.enumerator(atPath: root) ?? FileManager.DirectoryEnumerator() {
            var isDirectory: ObjCBool = false
            _ = manager.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory)
            if !isDirectory.boolValue || (try? manager.contentsOfDirectory(atPath: root + "/" + path))?.isEmpty == true {
                entries.append(path)
            }
        }
        return entries.sorted()
    }

    static let installedFiles = [
        "etc/linkback/linkback.yaml", "etc/logrotate.d/linkback",
        "usr/local/bin/linkback",
        "usr/local/share/linkback/apache/linkback-ban.conf", "usr/local/share/linkback/apache/linkback-ban22.conf",
        "usr/local/share/linkback/apache/linkback.conf",
        "usr/local/share/linkback/fail2ban/action.d/linkback-apache22.conf",
        "usr/local/share/linkback/fail2ban/action.d/linkback-apache24.conf",
        "usr/local/share/linkback/fail2ban/action.d/linkback-nginx.conf",
        "usr/local/share/linkback/fail2ban/filter.d/linkback.conf", "usr/local/share/linkback/fail2ban/jail.d/linkback.conf",
        "usr/local/share/linkback/linkback.yaml.sample",
        "usr/local/share/linkback/nginx/linkback-ban.conf", "usr/local/share/linkback/nginx/linkback.conf",
        "usr/local/share/linkback/public/admin.html", "usr/local/share/linkback/public/admin.js",
        "usr/local/share/linkback/public/linkback.css", "usr/local/share/linkback/public/mentions.css",
        "usr/local/share/linkback/public/mentions.js", "usr/local/share/linkback/public/webmention.html",
        "var/lib/linkback", "var/log/linkback",
    ]

    @Test func installLaysOutTheDocumentedFilesKeepsTheConfigAndUninstallLeavesData() async throws {
        let root = try TemporaryDirectory("destdir")
        defer { root.remove() }
        let installed = try await Self.make(["install"], destination: root.path)
        #expect(installed.status == 0, "\(installed.stderr)")
        #expect(Self.layout(of: root.path) == Self.installedFiles)
        let systemd = try await Self.make(["install-systemd"], destination: root.path)
        #expect(systemd.status == 0, "\(systemd.stderr)")
        #expect(Self.layout(of: root.path) == (Self.installedFiles + ["etc/systemd/system/linkback.service"]).sorted())

        // The installed configuration is valid, with absolute paths where the unit expects them.
        let config = root.file("etc/linkback/linkback.yaml")
        let check = try await LinkbackProcess.run(["check-config", "--config", config])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("database.path: /var/lib/linkback/linkback.sqlite"))
        #expect(check.stdout.contains("logging.fail2ban_log: /var/log/linkback/rejections.log"))
        #expect(check.stdout.contains("server.public_dir: /usr/local/share/linkback/public"))
        let jail = try String(contentsOfFile: root.file("usr/local/share/linkback/fail2ban/jail.d/linkback.conf"), encoding: .utf8)
        #expect(jail.contains("logpath  = /var/log/linkback/rejections.log"))
        // The binary is stripped and runs.
        let binary = root.file("usr/local/bin/linkback")
        #expect((try await Command.run("file", [binary])).stdout.contains(", stripped"))
        #expect((try await Command.run(binary, ["--version"])).status == 0)

        // A second install never overwrites the operator's configuration.
        try "# mine\n".write(toFile: config, atomically: true, encoding: .utf8)
        let again = try await Self.make(["install"], destination: root.path)
        #expect(again.stdout.contains("kept \(config)"), "\(again.stdout)")
        #expect(try String(contentsOfFile: config, encoding: .utf8) == "# mine\n")

        // Uninstall removes the program and leaves configuration and data (and the system's own
        // directories, emptied).
        try "data".write(toFile: root.file("var/lib/linkback/linkback.sqlite"), atomically: true, encoding: .utf8)
        let removed = try await Self.make(["uninstall"], destination: root.path)
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(Self.layout(of: root.path) == [
            "etc/linkback/linkback.yaml", "etc/logrotate.d", "etc/systemd/system", "usr/local/bin", "usr/local/share",
            "var/lib/linkback/linkback.sqlite", "var/log/linkback",
        ])
    }

    @Test func systemdAcceptsTheUnit() async throws {
        let root = try TemporaryDirectory("destdir")
        defer { root.remove() }
        _ = try await Self.make(["install", "install-systemd"], destination: root.path)
        let unit = try String(contentsOfFile: root.file("etc/systemd/system/linkback.service"), encoding: .utf8)
        #expect(unit.contains("LogsDirectory=linkback") && unit.contains("StateDirectory=linkback"))
        #expect(unit.contains("ExecReload=/bin/kill -HUP $MAINPID"))
        // Verified where the binary really is (the unit names /usr/local/bin, under DESTDIR here).
        let directory = try TemporaryDirectory("unit")
        defer { directory.remove() }
        let path = try directory.write(
            "linkback.service", unit.replacingOccurrences(of: "/usr/local/bin/linkback", with: root.file("usr/local/bin/linkback")))
        let verify = try await Command.run("systemd-analyze", ["verify", path])
        #expect(verify.status == 0 && verify.stderr.isEmpty && verify.stdout.isEmpty, "\(verify.stderr)\(verify.stdout)")
        // The check is real: a misspelt directive is reported.
        let broken = try directory.write("broken.service", unit.replacingOccurrences(of: "NoNewPrivileges", with: "NoNewPrivilege"))
        #expect(!(try await Command.run("systemd-analyze", ["verify", broken])).stderr.isEmpty)
    }

    /// The shipped rotation, with the test's paths, owner and signal put in: `logrotate -d`
    /// accepts it, and `logrotate -f` rotates the log of a running server while rejections keep
    /// coming, every one of them in the old or the new file.
    @Test func logrotateRotatesARunningServersLogWithoutLosingALine() async throws {
        let server = try await ServerHarness()
        defer { server.cleanUp() }
        let log = server.directory.file("fail2ban.log")
        let owner = getuid() == 0 ? "root root" : ""
        var shipped = try String(contentsOf: Self.repository.appendingPathComponent("config/logrotate/linkback"), encoding: .utf8)
        #expect(shipped.contains("/var/log/linkback/rejections.log {"))
        #expect(shipped.contains("systemctl reload linkback.service"))
        shipped = shipped.replacingOccurrences(of: "/var/log/linkback/rejections.log", with: log)
            .replacingOccurrences(of: "systemctl reload linkback.service", with: "kill -HUP \(server.process.pid)")
            .replacingOccurrences(of: "su linkback linkback", with: owner.isEmpty ? "" : "su \(owner)")
            .replacingOccurrences(of: "create 0640 linkback linkback", with: "create 0640 \(owner)")
        let config = try server.directory.write("logrotate.conf", shipped)
        chmod(config, 0o644)
        let state = server.directory.file("logrotate.state")
        let dry = try await Command.run("logrotate", ["-d", "-s", state, config])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(!dry.stderr.contains("error"), "\(dry.stderr)")

        let total = 300
        let sender = Task {
            for index in 0..<total {
                _ = try await server.postForm("/webmention", [("source", "junk-\(index)"), ("target", "https://blog.example/")])
            }
        }
        while server.rejectionLines.count < total / 3 { try await Task.sleep(for: .milliseconds(20)) }
        let rotation = try await Command.run("logrotate", ["-f", "-s", state, config])
        #expect(rotation.status == 0, "\(rotation.stderr)")
        try await sender.value
        let deadline = Date().addingTimeInterval(10)
        func lines(_ path: String) -> [String] {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        while lines(log).count + lines(log + ".1").count < total, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let old = lines(log + ".1")
        let new = lines(log)
        #expect(!old.isEmpty && !new.isEmpty, "old \(old.count), new \(new.count)")
        let numbers = Set((old + new).compactMap { line -> Int? in
            guard let range = line.range(of: #"junk-\d+"#, options: .regularExpression) else { return nil }
            return Int(line[range].dropFirst("junk-".count))
        })
        #expect(old.count + new.count == total)
        #expect(numbers == Set(0..<total))
    }

    @Test func apacheAndNginxAcceptTheInstalledSnippets() async throws {
        let root = try TemporaryDirectory("destdir")
        defer { root.remove() }
        _ = try await Self.make(["install"], destination: root.path)
        let share = root.file("usr/local/share/linkback")
        let apache = try TemporaryDirectory("apache-t")
        defer { apache.remove() }
        let apacheConfig = try Apache.configure(
            in: apache, port: try FreePort.find(), snippet: try String(contentsOfFile: share + "/apache/linkback.conf", encoding: .utf8),
            modules: ["proxy", "proxy_http", "headers"])
        let apacheCheck = try await Command.run("/usr/sbin/apache2", ["-t", "-f", apacheConfig])
        #expect(apacheCheck.status == 0 && apacheCheck.stderr.contains("Syntax OK"), "\(apacheCheck.stderr)")

        let nginx = try TemporaryDirectory("nginx-t")
        defer { nginx.remove() }
        let nginxConfig = try Nginx.configure(
            in: nginx, port: try FreePort.find(), snippet: try String(contentsOfFile: share + "/nginx/linkback.conf", encoding: .utf8))
        let nginxCheck = try await Command.run("/usr/sbin/nginx", ["-t", "-c", nginxConfig])
        #expect(nginxCheck.status == 0 && nginxCheck.stderr.contains("test is successful"), "\(nginxCheck.stderr)")

        // And both refuse a broken one, so the checks mean something.
        let broken = try Nginx.configure(in: nginx, port: try FreePort.find(), snippet: "location = /x { proxy_pass; }")
        #expect((try await Command.run("/usr/sbin/nginx", ["-t", "-c", broken])).status != 0)
    }
}
