import Foundation
import Hummingbird
import LinkbackCore
import LinkbackKit

/// `GET /avatars/<sha256>.<ext>` with `api.avatars: proxy`: the author photos the proxy kept
/// (``AvatarProxy``), as the image type their bytes were found to be, cacheable for a year (the
/// name is the content's hash), never sniffed as anything else, running nothing.
struct AvatarRoutes {
    let directory: String

    func register(on router: Router<LinkbackRequestContext>) {
        router.get("avatars/:name") { _, context in
            guard let name = context.parameters.get("name"), let (path, format) = AvatarProxy.file(named: name, in: directory),
                let body = FileManager.default.contents(atPath: path)
            else {
                return Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "no such avatar\n")))
            }
            var headers: HTTPFields = [
                .contentType: format.mediaType, .cacheControl: "public, max-age=31536000, immutable", .accessControlAllowOrigin: "*",
                .contentSecurityPolicy: "default-src 'none'; sandbox",
            ]
            headers[.init("X-Content-Type-Options")!] = "nosniff"
            headers[.init("Cross-Origin-Resource-Policy")!] = "cross-origin"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
