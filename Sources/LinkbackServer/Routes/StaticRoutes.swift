import Foundation
import Hummingbird
import Logging

/// The files of `server.public_dir` that Linkback serves itself: the mentions widget (with CORS,
/// so a blog on another host can load it as a module), its stylesheet, and the moderation
/// dashboard (under a strict Content-Security-Policy). Read once at start.
struct StaticRoutes {
    struct File {
        var path: String
        var type: String
        /// Loadable from other origins (the widget).
        var shared: Bool
        /// The dashboard's pages: no inline script, no framing, no referrer.
        var locked: Bool
    }

    static let files: [File] = [
        File(path: "mentions.js", type: "text/javascript; charset=utf-8", shared: true, locked: false),
        File(path: "mentions.css", type: "text/css; charset=utf-8", shared: true, locked: false),
        File(path: "linkback.css", type: "text/css; charset=utf-8", shared: true, locked: false),
        File(path: "admin.html", type: "text/html; charset=utf-8", shared: false, locked: true),
        File(path: "admin.js", type: "text/javascript; charset=utf-8", shared: false, locked: true),
    ]

    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; connect-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    let directory: String
    let logger: Logger

    static func directoryExists(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    func register(on router: Router<LinkbackRequestContext>) {
        guard Self.directoryExists(directory) else {
            // One line for the whole directory (run from elsewhere, or not installed yet).
            logger.warning(
                "no package directory at \(directory) (server.public_dir): serving a bare webmention form, no widget, dashboard or styles")
            return
        }
        for file in Self.files {
            guard let body = FileManager.default.contents(atPath: directory + "/" + file.path) else {
                logger.warning("no \(file.path) in \(directory); not served")
                continue
            }
            var headers: HTTPFields = [.contentType: file.type, .cacheControl: "public, max-age=300"]
            headers[.eTag] = "\"" + ETag.of(body) + "\""
            if file.shared { headers[.accessControlAllowOrigin] = "*" }
            if file.locked {
                headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
                headers[.init("X-Frame-Options")!] = "DENY"
                headers[.init("Referrer-Policy")!] = "no-referrer"
                headers[.cacheControl] = "no-store"
            }
            headers[.init("X-Content-Type-Options")!] = "nosniff"
            let fixed = headers
            router.get(RouterPath(file.path)) { request, _ -> Response in
                if let match = request.headers[.ifNoneMatch], let tag = fixed[.eTag], ETag.matches(match, tag) {
                    return Response(status: .notModified, headers: fixed)
                }
                return Response(status: .ok, headers: fixed, body: .init(byteBuffer: ByteBuffer(bytes: body)))
            }
        }
    }
}
