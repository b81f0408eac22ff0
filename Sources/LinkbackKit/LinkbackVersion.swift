/// The version Linkback reports in `--version` and in its fetcher's User-Agent.
public enum LinkbackVersion {
    public static let string = "0.1.0"
}
