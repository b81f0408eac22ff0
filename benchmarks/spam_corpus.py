#!/usr/bin/env python3
"""A labelled corpus for `linkback bench-spam`: the spam that links and the genuine mentions it must
not be confused with, generated from a fixed seed so every run measures the same pages.

  spam_corpus.py OUT_DIR [--posts N] [--seed S]

Writes OUT_DIR/posts/*.html (the blog's own posts, the targets), OUT_DIR/pages/*.html (sources)
and OUT_DIR/corpus.json: the mentions in arrival order, each {"class", "spam", "source", "target",
"page"}. Classes:

  spam:    scraper-copy     the whole post republished inside another site's template
           scraper-partial  the first two thirds of the post, with the scraper's own intro
           farm             one text (with the site's name worked in) sent from 6 domains
           casino           a one-off gambling or pharma page with a real link (no copy to find)
  genuine: reply            a reply in the author's own words, sometimes quoting one sentence
           quote-reply      a reply that quotes three sentences of the post, then answers
           like, bookmark   h-entry likes and bookmarks (little or no text)
           mention          a post of its own that links to the post in passing

The prose is drawn from a vocabulary with the stock phrases real writing repeats ("at the end of
the day"), so unrelated texts share some four-word runs, as real ones do.
"""
import json
import os
import random
import sys

WORDS = """
garden shed larch post concrete pad roof steel sheet screw washer wall slope stud diagonal door tool
coffee weekend winter storm frame pine joint corner level ground slab packer shim paint primer brush
library seed bean tomato spring summer autumn packet card index note blight slug lettuce pumpkin
allotment ribbon county show bicycle chain gear brake cable tyre valve pump saddle bar tape route hill
river bridge path forest morning evening rain wind cloud sunlight kitchen bread flour yeast dough oven
crust loaf butter jam kettle cup mug table chair window shelf book page chapter story author reader
camera lens shutter film print frame light shadow colour street market stall fish cheese apple pear
plum cherry honey bee hive wax candle wick flame match stove pan pot soup stock onion garlic carrot
code server request response cache query index table row column log error test build deploy release
bug patch review branch merge commit tag version module package library function method variable
""".split()

STOCK = [
    "at the end of the day", "one of the best", "in the middle of the", "as well as the",
    "for the first time", "it turns out that", "the rest of the", "on the other hand", "a lot of the",
    "i have to say", "to be honest i", "if you want to", "at the same time", "by the way the",
]

CHROME_WORDS = "home about contact archive categories tags subscribe newsletter privacy terms cookies sitemap".split()

CASINO = """casino bonus slots jackpot roulette blackjack poker spins deposit withdrawal payout odds betting
wager pills pharmacy discount cheap online order viagra cialis prescription shipping""".split()


def sentence(rng, words=WORDS, stock=True):
    n = rng.randint(9, 18)
    out = [rng.choice(words) for _ in range(n)]
    if stock and rng.random() < 0.35:
        at = rng.randint(0, len(out))
        out[at:at] = rng.choice(STOCK).split()
    return " ".join(out).capitalize() + "."


def paragraph(rng, sentences, words=WORDS, stock=True):
    return " ".join(sentence(rng, words, stock) for _ in range(sentences))


def html(body, title="A page", generator=None):
    meta = f'<meta name="generator" content="{generator}">' if generator else ""
    return f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title>{meta}</head><body>{body}</body></html>\n"


def chrome(rng):
    return "<nav>" + " | ".join(rng.sample(CHROME_WORDS, 6)) + "</nav>"


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    out = args[0]
    posts_count = int(args[args.index("--posts") + 1]) if "--posts" in args else 40
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 7
    rng = random.Random(seed)
    os.makedirs(os.path.join(out, "posts"), exist_ok=True)
    os.makedirs(os.path.join(out, "pages"), exist_ok=True)
    blog = "https://blog.example"
    posts = []
    for i in range(posts_count):
        text = [paragraph(rng, rng.randint(3, 6)) for _ in range(rng.randint(3, 6))]
        url = f"{blog}/posts/{i}"
        body = (f'<header>My blog</header>{chrome(rng)}<article class="h-entry"><h1 class="p-name">Post {i}</h1>'
                f'<div class="e-content">' + "".join(f"<p>{p}</p>" for p in text) + "</div></article><footer>© me</footer>")
        with open(os.path.join(out, "posts", f"{i}.html"), "w") as f:
            f.write(html(body, f"Post {i}"))
        posts.append((url, text))

    mentions = []
    counter = [0]

    def add(cls, spam, host, body, target, generator=None):
        counter[0] += 1
        name = f"{counter[0]:05d}-{cls}.html"
        with open(os.path.join(out, "pages", name), "w") as f:
            f.write(html(body, f"{cls} {counter[0]}", generator))
        mentions.append({"class": cls, "spam": spam, "source": f"https://{host}/{counter[0]}", "target": target, "page": name})

    def link(url, text="this post"):
        return f'<a href="{url}">{text}</a>'

    events = []
    for i, (url, text) in enumerate(posts):
        # Genuine mentions of every post.
        for r in range(rng.randint(3, 6)):
            quote = f"<blockquote>{rng.choice(' '.join(text).split('. '))}.</blockquote>" if rng.random() < 0.4 else ""
            own = paragraph(rng, rng.randint(3, 8))
            events.append(("reply", False, f"reader{i}-{r}.example",
                           f'<div class="h-entry"><a class="u-in-reply-to" href="{url}">In reply to</a>'
                           f'<div class="e-content">{quote}<p>{own}</p></div></div>', url))
        if rng.random() < 0.5:
            sentences = " ".join(text).split(". ")
            start = rng.randint(0, max(0, len(sentences) - 4))
            quoted = ". ".join(sentences[start:start + 3]) + "."
            events.append(("quote-reply", False, f"quoter{i}.example",
                           f'<div class="h-entry"><a class="u-in-reply-to" href="{url}">Re</a><div class="e-content">'
                           f'<blockquote>{quoted}</blockquote><p>{paragraph(rng, rng.randint(4, 7))}</p></div></div>', url))
        for r in range(rng.randint(2, 8)):
            events.append(("like", False, f"fan{i}-{r}.example",
                           f'<div class="h-entry"><a class="u-like-of" href="{url}">liked</a> <span class="p-author h-card">Fan {r}</span></div>', url))
        if rng.random() < 0.5:
            events.append(("bookmark", False, f"saver{i}.example",
                           f'<div class="h-entry"><a class="u-bookmark-of" href="{url}">saved</a><p class="p-summary">{sentence(rng)}</p></div>', url))
        if rng.random() < 0.6:
            own = [paragraph(rng, 4) for _ in range(3)]
            events.append(("mention", False, f"blogger{i}.example",
                           f'<article class="h-entry"><div class="e-content"><p>{own[0]}</p><p>As {link(url, "someone wrote")}, '
                           f'{sentence(rng)}</p><p>{own[1]}</p><p>{own[2]}</p></div></article>', url))
        # Scrapers copy some posts, several times each.
        if rng.random() < 0.5:
            for c in range(rng.randint(1, 4)):
                events.append(("scraper-copy", True, f"scraper{i}-{c}.example",
                               f'<header>{rng.choice(["DIY Daily", "Best Reads", "News Hub"])}</header>{chrome(rng)}'
                               f'<div class="post"><h2>Post {i}</h2>' + "".join(f"<p>{p}</p>" for p in text)
                               + f'<p>Source: {link(url, "original")}</p></div><aside>Related: {sentence(rng)}</aside>', url,
                               "WordPress 6.4"))
        if rng.random() < 0.3:
            keep = text[: max(1, (2 * len(text)) // 3)]
            events.append(("scraper-partial", True, f"partial{i}.example",
                           f'{chrome(rng)}<article><p>We found this great article: {sentence(rng)}</p>'
                           + "".join(f"<p>{p}</p>" for p in keep) + f'<p>Read more at {link(url)}</p></article>', url,
                           "WordPress 6.2"))
        if rng.random() < 0.25:
            events.append(("casino", True, f"casino{i}.example",
                           f'<p>{paragraph(rng, 5, CASINO, stock=False)} {link(url, "great blog")}</p>', url))

    # Farms: one text from six domains, at various posts.
    for f in range(max(2, posts_count // 8)):
        base = [paragraph(rng, 4, CASINO + WORDS[:40], stock=False) for _ in range(2)]
        for d in range(6):
            url = rng.choice(posts)[0]
            site = f"farm{f}-{d}.example"
            body = (f"<article><h1>Top picks on {site}</h1><p>{base[0]}</p><p>Brought to you by {site}. {base[1]}</p>"
                    f"{link(url, 'a friend')}</article>")
            events.append(("farm", True, site, body, url))

    rng.shuffle(events)
    for cls, spam, host, body, url, *generator in events:
        add(cls, spam, host, body, url, generator[0] if generator else None)
    with open(os.path.join(out, "corpus.json"), "w") as f:
        json.dump({"seed": seed, "posts": [p[0] for p in posts], "mentions": mentions}, f, indent=1)
    print(f"{len(mentions)} mentions of {len(posts)} posts in {out}")


if __name__ == "__main__":
    main()
