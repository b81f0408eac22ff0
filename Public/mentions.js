// Linkback's mentions widget. Add to any page:
//
//   <div data-linkback-target="https://blog.example/posts/1"></div>
//   <script type="module" src="https://mentions.example/mentions.js"></script>
//
// (an empty data-linkback-target means the page's canonical URL; data-lang="de" picks the
// language, else the reader's own). It shows what the Linkback it was loaded from renders for
// the post (`/api/mentions.html`, the same fragment a static build includes), so widget and
// fragment never differ. It never inserts that HTML as it came: the answer is parsed inertly and
// rebuilt from an allow-list of the fragment's own elements and attributes, links and images
// http(s) only, so nothing in it can run on the blog's page.

const origin = new URL(import.meta.url).origin;

// The fragment's elements, and the attributes each keeps (besides class).
const markup = {
  section: ["lang"], h2: [], h3: [], span: ["aria-hidden"], ul: ["aria-label"], ol: [], li: ["id", "title", "data-parent"],
  article: [], header: [], time: ["datetime"], div: [], p: [],
  img: ["src", "alt", "data-initial", "loading", "width", "height", "referrerpolicy"],
  // A mention's own content, as Linkback's sanitiser keeps it (images left out by the fragment).
  a: ["href", "rel", "title"], abbr: ["title"], b: [], blockquote: ["cite"], br: [], cite: [], code: [], dd: [], del: [],
  dl: [], dt: [], em: [], figcaption: [], figure: [], h1: [], h4: [], h5: [], h6: [], hr: [], i: [],
  ins: [], kbd: [], mark: [], pre: [], q: ["cite"], s: [], small: [], strong: [], sub: [], sup: [], u: [],
};

/** An http(s) URL, or null: no javascript:, data: or relative links. */
function safeURL(text) {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** A copy of `source`'s children under `target`, only what `markup` allows (the rest becomes its text). */
function rebuild(source, target) {
  for (const child of source.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) {
      target.append(child.textContent);
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      const name = child.localName;
      const allowed = markup[name];
      if (!allowed) {
        rebuild(child, target);
        continue;
      }
      const made = document.createElement(name);
      for (const attribute of ["class", ...allowed]) {
        let value = child.getAttribute(attribute);
        if (value === null) continue;
        if (attribute === "href" || attribute === "src" || attribute === "cite") value = safeURL(value);
        // Ids name mentions only: nothing the page itself uses can be shadowed.
        if ((attribute === "id" || attribute === "data-parent") && !/^mention-\d+$/.test(value)) value = null;
        if (value !== null) made.setAttribute(attribute, value);
      }
      if (name === "a" && made.getAttribute("class") !== "linkback-more") made.setAttribute("rel", "nofollow ugc noopener");
      rebuild(child, made);
      target.append(made);
    }
  }
  return target;
}

/** One page of the fragment for `target`, parsed inertly (DOMParser runs and loads nothing). */
async function fragment(target, lang, page) {
  const query = new URLSearchParams({ target, lang, page: String(page) });
  const response = await fetch(`${origin}/api/mentions.html?${query}`);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const parsed = new DOMParser().parseFromString(await response.text(), "text/html");
  if (!parsed.querySelector("body > section.linkback")) throw new Error("no mentions section");
  return rebuild(parsed.body, document.createDocumentFragment()).querySelector("section.linkback");
}

/** Moves comments under the ones they answer (`data-parent`) where those are shown. */
function nest(comments) {
  for (const item of [...comments.querySelectorAll(":scope > li[data-parent]")]) {
    const above = comments.querySelector(`li#${item.dataset.parent}`);
    if (!above || item.contains(above)) continue;
    let replies = [...above.children].find((child) => child.classList.contains("linkback-replies"));
    if (!replies) above.append(replies = Object.assign(document.createElement("ol"), { className: "linkback-replies" }));
    replies.append(item);
  }
}

/** What is shown: faces and comments (the comments of comments are part of theirs). */
function shown(container) {
  return container.querySelectorAll(".linkback-faces > li, li[id^='mention-']").length;
}

async function mount(container) {
  const target = container.dataset.linkbackTarget
    || document.querySelector('link[rel="canonical"]')?.href || location.href.split("#")[0];
  const lang = container.dataset.lang || navigator.language || "en";
  container.classList.add("linkback");
  container.dataset.state = "loading";
  let page = 0;
  // "Show more" is a link to the next page of the fragment; here it loads that page in place.
  const more = async (event) => {
    event.preventDefault();
    const link = event.currentTarget;
    link.setAttribute("aria-busy", "true");
    try {
      const next = await fragment(target, lang, page + 1);
      page += 1;
      const comments = container.querySelector(".linkback-comments");
      const added = next.querySelector(".linkback-comments");
      if (comments && added) comments.append(...added.children);
      const again = next.querySelector(".linkback-more");
      if (again) link.href = again.href;
      link.hidden = !again;
      if (comments) nest(comments);
      container.dataset.count = String(shown(container));
    } catch {
      link.hidden = true;
    } finally {
      link.removeAttribute("aria-busy");
    }
  };
  try {
    const section = await fragment(target, lang, 0);
    if (section.lang) container.lang = section.lang;
    container.replaceChildren(...section.childNodes);
    container.querySelector(".linkback-more")?.addEventListener("click", more);
    container.dataset.state = "ready";
    container.dataset.count = String(shown(container));
  } catch {
    // The blog stays readable without its mentions: no error text in the page.
    container.dataset.state = "error";
    container.replaceChildren();
  }
}

const containers = document.querySelectorAll("[data-linkback-target]");
await Promise.all([...containers].map(mount));
document.documentElement.dataset.linkbackReady = String(containers.length);
