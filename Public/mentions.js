// Linkback's mentions widget. Add to any page:
//
//   <div data-linkback-target="https://blog.example/posts/1"></div>
//   <script type="module" src="https://mentions.example/mentions.js"></script>
//
// (an empty data-linkback-target means the page's canonical URL). It reads the approved mentions
// from the read API of the Linkback it was loaded from and renders them with DOM APIs only:
// remote text is only ever text, and remote HTML content is rebuilt from an allow-list of
// elements the widget creates itself.

const origin = new URL(import.meta.url).origin;
// Comments a page ("Show more" loads the next); faces shown per pile, the newest (the pile's
// number is the count of all).
const perPage = 50;
const facesPerPile = 30;

// [wm-property, the heading's key in `strings`, the type /api/count counts it under]
const facepiles = [
  ["like-of", "likes", "like"],
  ["repost-of", "reposts", "repost"],
  ["bookmark-of", "bookmarks", "bookmark"],
];

// Every word the widget writes, by language: the container's data-lang, else the reader's own
// (navigator.language); English for a language not here, and for a word a language lacks.
const strings = {
  en: { heading: "Mentions", likes: "Likes", reposts: "Reposts", bookmarks: "Bookmarks", replied: "replied",
    rsvp: "RSVPed", mentioned: "mentioned this", source: "source", more: "Show more", empty: "No mentions yet." },
  de: { heading: "Erwähnungen", likes: "Gefällt", reposts: "Geteilt", bookmarks: "Lesezeichen", replied: "antwortete",
    rsvp: "Zusage:", mentioned: "erwähnte dies", source: "Quelle", more: "Mehr zeigen", empty: "Noch keine Erwähnungen." },
  fr: { heading: "Mentions", likes: "J’aime", reposts: "Partages", bookmarks: "Signets", replied: "a répondu",
    rsvp: "Réponse :", mentioned: "a mentionné ceci", source: "source", more: "Afficher plus", empty: "Aucune mention pour l’instant." },
  es: { heading: "Menciones", likes: "Me gusta", reposts: "Compartido", bookmarks: "Marcadores", replied: "respondió",
    rsvp: "Respuesta:", mentioned: "mencionó esto", source: "fuente", more: "Mostrar más", empty: "Aún no hay menciones." },
  nl: { heading: "Vermeldingen", likes: "Vind-ik-leuks", reposts: "Gedeeld", bookmarks: "Bladwijzers", replied: "reageerde",
    rsvp: "Antwoord:", mentioned: "noemde dit", source: "bron", more: "Meer tonen", empty: "Nog geen vermeldingen." },
};

/** The language a container is shown in, and its words. */
function wording(container) {
  const lang = container.dataset.lang || navigator.language || "en";
  return { lang, words: { ...strings.en, ...(strings[lang.toLowerCase().split("-")[0]] || {}) } };
}
const conversation = new Set(["in-reply-to", "mention-of", "rsvp"]);

// Elements kept from a mention's (already sanitised) HTML content; everything else becomes its text.
const allowed = new Set([
  "p", "br", "a", "em", "strong", "b", "i", "u", "s", "blockquote", "q", "code", "pre", "ul", "ol", "li",
  "sub", "sup", "del", "ins", "small", "span",
]);

function element(name, attributes = {}, ...children) {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

/** An http(s) URL, or null: no javascript:, data: or relative links from remote data. */
function safeURL(text) {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** Rebuilds sanitised HTML content from the allow-list; parsing with DOMParser runs nothing. */
function content(html) {
  const parsed = new DOMParser().parseFromString(html, "text/html");
  const copy = (source, target) => {
    for (const child of source.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) {
        target.append(child.textContent);
      } else if (child.nodeType === Node.ELEMENT_NODE) {
        const name = child.localName;
        if (!allowed.has(name)) {
          copy(child, target);
          continue;
        }
        const made = document.createElement(name);
        if (name === "a") {
          const href = safeURL(child.getAttribute("href") || "");
          if (href) made.setAttribute("href", href);
          made.setAttribute("rel", "nofollow ugc noopener");
        }
        copy(child, made);
        target.append(made);
      }
    }
  };
  const box = element("div", { class: "linkback-content" });
  copy(parsed.body, box);
  return box;
}

function avatar(author) {
  const name = author.name || "";
  const photo = safeURL(author.photo || "");
  const placeholder = () =>
    element("span", { class: "linkback-avatar linkback-placeholder", "aria-hidden": "true" },
      (name.trim()[0] || "?").toUpperCase());
  if (!photo) return placeholder();
  const image = element("img", {
    class: "linkback-avatar", src: photo, alt: name, loading: "lazy", width: "48", height: "48",
    referrerpolicy: "no-referrer",
  });
  image.addEventListener("error", () => image.replaceWith(placeholder()), { once: true });
  return image;
}

function authorLink(entry, child) {
  const url = safeURL(entry.author?.url || "") || safeURL(entry.url || "");
  return url ? element("a", { href: url, rel: "nofollow ugc noopener" }, child) : child;
}

function face(entry) {
  const name = entry.author?.name || new URL(entry.url).host;
  return element("li", { title: name }, authorLink(entry, avatar({ ...entry.author, name })));
}

function comment(entry, { lang, words }) {
  const author = entry.author || {};
  const name = author.name || new URL(entry.url).host;
  const date = entry.published || entry["wm-received"];
  // A date as the reader reads dates (never the US numeric form for everyone).
  let shownDate = date;
  try { shownDate = new Date(date).toLocaleDateString(lang, { year: "numeric", month: "short", day: "numeric" }); } catch {}
  const when = date ? element("time", { datetime: date }, shownDate) : null;
  const source = safeURL(entry.url);
  const kind = entry["wm-property"] === "in-reply-to" ? words.replied : entry["wm-property"] === "rsvp"
    ? `${words.rsvp} ${entry.rsvp || ""}`.trim() : words.mentioned;
  const header = element("header", {},
    authorLink(entry, avatar({ ...author, name })), " ",
    authorLink(entry, element("span", { class: "linkback-name" }, name)), " ",
    element("span", { class: "linkback-kind" }, kind), " ",
    source ? element("a", { href: source, rel: "nofollow ugc noopener", class: "linkback-source" }, when || words.source) : when);
  const body = entry.content?.html ? content(entry.content.html)
    : entry.content?.text ? element("p", { class: "linkback-content" }, entry.content.text)
    : entry.name ? element("p", { class: "linkback-content" }, entry.name) : null;
  // Comments on the reply itself (Salmention), one level, as text like everything remote.
  const children = (entry.children || []).map(reply);
  const nested = children.length ? element("ul", { class: "linkback-children" }, ...children) : null;
  return element("li", { id: `mention-${entry["wm-id"]}` }, element("article", { class: "linkback-comment" }, header, body, nested));
}

/** Puts a comment under the one it answers (`wm-parent`) when that is shown, else at the top. */
function place(comments, item, parent) {
  const above = parent != null ? comments.querySelector(`#mention-${Number(parent)}`) : null;
  if (!above) return comments.append(item);
  let replies = [...above.children].find((child) => child.classList.contains("linkback-replies"));
  if (!replies) above.append(replies = element("ol", { class: "linkback-replies" }));
  replies.append(item);
}

/** A comment nested in a reply's source: its author and its text. */
function reply(child) {
  const author = child.author || {};
  let host = "";
  try { host = new URL(child.url).host; } catch {}
  const name = author.name || host || "someone";
  const text = child.content?.text || child.name || "";
  return element("li", { class: "linkback-child" },
    authorLink(child, element("span", { class: "linkback-name" }, name)), text ? ": " : "", text);
}

async function get(path, query) {
  const response = await fetch(`${origin}/api/${path}?${new URLSearchParams(query)}`, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

/** One page of `properties` mentions of `target`. */
async function load(target, properties, { page = 0, size = perPage, order = "up" } = {}) {
  const query = new URLSearchParams({ target, "per-page": String(size), page: String(page), "sort-dir": order });
  for (const property of properties) query.append("wm-property[]", property);
  const response = await fetch(`${origin}/api/mentions.jf2?${query}`, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return (await response.json()).children || [];
}

async function mount(container) {
  const target = container.dataset.linkbackTarget
    || document.querySelector('link[rel="canonical"]')?.href || location.href.split("#")[0];
  container.classList.add("linkback");
  container.dataset.state = "loading";
  const language = wording(container);
  const { words } = language;
  const heading = element("h2", { class: "linkback-heading" }, words.heading);
  const piles = new Map(facepiles.map(([property, key, type]) => {
    const title = words[key];
    const list = element("ul", { class: "linkback-faces", "aria-label": title });
    const count = element("span", { class: "linkback-count" }, "0");
    const section = element("section", { class: "linkback-pile", hidden: "" },
      element("h3", {}, title, " ", count), list);
    return [property, { section, list, count, type, shown: 0, total: 0 }];
  }));
  // A pile's number is the count of its type (likes the owner only counts, and faces not loaded
  // yet, included), never less than the faces shown.
  const showTotal = (pile) => {
    pile.count.textContent = String(Math.max(pile.total, pile.shown));
    pile.section.hidden = pile.count.textContent === "0";
  };
  const comments = element("ol", { class: "linkback-comments" });
  const empty = element("p", { class: "linkback-empty", hidden: "" }, words.empty);
  const more = element("button", { type: "button", class: "linkback-more", hidden: "" }, words.more);
  container.replaceChildren(heading, ...[...piles.values()].map((pile) => pile.section), comments, empty, more);

  // Replies come first and page on their own; each pile shows its newest faces and the count of
  // its type, so a popular post's likes never push its replies out of sight.
  let page = 0;
  let commentsShown = 0;
  let commentsTotal = 0;
  let facesShown = 0;
  const next = async () => {
    more.disabled = true;
    try {
      const [entries, count] = await Promise.all([
        load(target, [...conversation], { page }), page === 0 ? get("count", { target }) : null]);
      if (count) {
        const types = count.type || {};
        // Counted-only mentions (`aggregate`) are in the totals but in no listing.
        const counted = count.aggregated || {};
        commentsTotal = ["reply", "mention", "rsvp"].reduce((sum, type) => sum + (types[type] || 0) - (counted[type] || 0), 0);
        for (const pile of piles.values()) pile.total = types[pile.type] || 0;
        const withFaces = [...piles].filter(([, pile]) => pile.total - (counted[pile.type] || 0) > 0);
        const faces = await Promise.all(withFaces.map(([property]) => load(target, [property], { size: facesPerPile, order: "down" })));
        withFaces.forEach(([, pile], index) => {
          for (const entry of faces[index]) pile.list.append(face(entry));
          pile.shown += faces[index].length;
          facesShown += faces[index].length;
        });
      }
      for (const entry of entries) place(comments, comment(entry, language), entry["wm-parent"]);
      for (const pile of piles.values()) showTotal(pile);
      commentsShown += entries.length;
      page += 1;
      more.hidden = commentsShown >= commentsTotal || entries.length < perPage;
      empty.hidden = commentsShown + facesShown > 0;
      container.dataset.state = "ready";
      container.dataset.count = String(commentsShown + facesShown);
    } catch {
      // The blog stays readable without its mentions: no error text in the page.
      container.dataset.state = "error";
      more.hidden = true;
      if (commentsShown + facesShown === 0) container.replaceChildren();
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", next);
  await next();
}

const containers = document.querySelectorAll("[data-linkback-target]");
await Promise.all([...containers].map(mount));
document.documentElement.dataset.linkbackReady = String(containers.length);
