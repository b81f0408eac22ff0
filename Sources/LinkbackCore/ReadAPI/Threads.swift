import LinkbackKit

/// Which mention a reply answers, when that is another mention of the same post: a reply to a
/// reply (Bridgy #813, WordPress plugin #463) names the first reply's URL in its `in-reply-to`
/// (``MentionContent/inReplyTo``), or is sent to the post's `#mention-N` fragment. Read-time, so
/// the order the two arrived in does not matter.
public enum Threads {
    /// The URLs a listing's replies answer besides the post: the sources to look up.
    public static func answered(by mentions: [Mention]) -> [String] {
        mentions.flatMap { $0.content?.inReplyTo ?? [] }
    }

    /// Each reply's parent in `mentions` or `candidates` (approved mentions whose source a reply
    /// names): on the same page, never itself, the first URL its `in-reply-to` names that is one,
    /// else the mention its `#mention-N` target names among `mentions`.
    public static func parents(of mentions: [Mention], candidates: [Mention]) -> [Int64: Int64] {
        func page(_ target: String) -> Substring { target.prefix { $0 != "#" } }
        var bySource: [String: [Mention]] = [:]
        for mention in mentions + candidates { bySource[mention.source, default: []].append(mention) }
        let byID = Dictionary(mentions.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var parents: [Int64: Int64] = [:]
        for mention in mentions {
            let here = page(mention.target)
            if let parent = (mention.content?.inReplyTo ?? []).lazy.compactMap({ url in
                bySource[url]?.first { $0.id != mention.id && page($0.target) == here }
            }).first {
                parents[mention.id] = parent.id
            } else if let fragment = mention.target.split(separator: "#", maxSplits: 1).dropFirst().first,
                fragment.hasPrefix("mention-"), let id = Int64(fragment.dropFirst("mention-".count)), id != mention.id,
                let parent = byID[id], page(parent.target) == here
            {
                parents[mention.id] = id
            }
        }
        return parents
    }
}
