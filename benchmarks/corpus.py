#!/usr/bin/env python3
"""Writes a corpus of real-world-shaped source pages for the extraction benchmark.

    benchmarks/corpus.py DIR [TARGET]
    benchmarks/corpus.py --big FILE BYTES [TARGET]

Deterministic (seeded): WordPress theme pages with navigation, sidebar and a threaded comment
section; IndieWeb replies and Bridgy-style likes with h-cards; long articles; a spammy forum page
with deep nesting and hundreds of links. Most link to TARGET (default https://blog.example/posts/1),
some do not. Sizes run from about 1 KB to 150 KB, like the pages senders point at.

With --big, one WordPress page of about BYTES with a long comment thread, linking TARGET, for the
memory benchmark (many verifications of large pages at once).
"""
import html
import os
import random
import sys

WORDS = ("the of and to in is it that for on with as was this by at an be from or are have not but "
         "webmention pingback indieweb blog post reply comment link page site feed author photo note "
         "article weekend coffee garden train music review server spam swift library release").split()


def sentence(rng, words=14):
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng, links=0, target=None):
    parts = [html.escape(sentence(rng, rng.randint(8, 22))) for _ in range(rng.randint(2, 5))]
    for _ in range(links):
        url = f"https://example{rng.randint(1, 400)}.org/{rng.choice(WORDS)}/{rng.randint(1, 9999)}"
        parts.insert(rng.randint(0, len(parts)), f'<a href="{url}">{rng.choice(WORDS)}</a>')
    if target:
        parts.insert(rng.randint(0, len(parts)), f'<a href="{target}">this post</a>')
    return "<p>" + " ".join(parts) + "</p>"


def head(rng, title):
    styles = "\n".join(f'<link rel="stylesheet" href="/wp-content/themes/t/css/{i}.css?ver=6.4" media="all">'
                       for i in range(rng.randint(4, 12)))
    scripts = "\n".join(f'<script src="/wp-includes/js/{rng.choice(WORDS)}{i}.min.js?ver=6.4"></script>'
                        for i in range(rng.randint(3, 10)))
    inline = "body{margin:0}" + "".join(f".c{i}{{color:#{rng.randint(0, 0xFFFFFF):06x}}}" for i in range(80))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n{styles}\n'
            f'<style>{inline}</style>\n{scripts}\n'
            '<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}'
            " gtag('js',new Date());if(a<b&&c>d){x='<p>not markup</p>'}</script>\n</head>")


def card(rng, cls="p-author h-card"):
    name = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()}"
    site = f"https://{rng.choice(WORDS)}{rng.randint(1, 99)}.example/"
    return (f'<a class="{cls}" href="{site}"><img class="u-photo" src="{site}photo.jpg" alt="" '
            f'width="48" height="48">{html.escape(name)}</a>')


def wordpress(rng, target, comments):
    nav = "".join(f'<li class="menu-item"><a href="/category/{w}/">{w}</a></li>'
                  for w in rng.sample(WORDS, 30))
    body = "\n".join(paragraph(rng, links=rng.randint(0, 3)) for _ in range(rng.randint(12, 30)))
    body += "\n" + paragraph(rng, target=target)
    thread = []
    for index in range(comments):
        thread.append(
            f'<li id="comment-{index}" class="comment"><article class="p-comment h-cite">'
            f'<footer>{card(rng)} <time class="dt-published" datetime="2026-11-{1 + index % 28:02d}T10:00:00Z">'
            f'November {1 + index % 28}</time></footer><div class="p-content">{paragraph(rng, links=rng.randint(0, 1))}'
            f'</div><a class="comment-reply-link" href="?replytocom={index}#respond">Reply</a></article></li>')
    tags = " ".join(f'<a href="/tag/{w}/" class="tag-cloud-link" style="font-size:{rng.randint(8, 22)}pt">{w}</a>'
                    for w in WORDS)
    return (head(rng, sentence(rng, 6)) + '<body class="post-template-default single">'
            f'<header id="masthead"><nav><ul id="menu">{nav}</ul></nav></header>'
            '<main><article class="h-entry post type-post status-publish">'
            f'<h1 class="p-name entry-title">{html.escape(sentence(rng, 7))}</h1>'
            f'<div class="entry-meta">{card(rng)} <time class="dt-published" datetime="2026-11-20T09:00:00Z">'
            'November 20, 2026</time></div>'
            f'<div class="e-content entry-content">{body}</div></article>'
            f'<section id="comments"><ol class="comment-list">{"".join(thread)}</ol></section></main>'
            f'<aside id="secondary"><section class="widget">{tags}</section></aside>'
            '<footer id="colophon"><p>Proudly powered by WordPress</p></footer></body></html>\n')


def reply(rng, target):
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Reply</title></head><body>'
            f'<div class="h-entry">{card(rng)}<a class="u-in-reply-to" href="{target}">in reply to</a>'
            f'<div class="e-content">{paragraph(rng)}{paragraph(rng)}</div>'
            '<a class="u-url" href="https://reply.example/2026/11/26/1">'
            '<time class="dt-published" datetime="2026-11-26T08:30:00+01:00">08:30</time></a>'
            '<a class="u-syndication" href="https://social.example/@me/1">also here</a></div></body></html>\n')


def like(rng, target):
    kind = rng.choice(["u-like-of", "u-repost-of", "u-bookmark-of"])
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Like</title></head><body>'
            f'<article class="h-entry"><span class="p-author h-card">{card(rng, "u-url")}</span> '
            f'<a class="{kind}" href="{target}"></a><a class="u-url" href="https://brid.example/like/1">#</a>'
            '</article></body></html>\n')


def article(rng, target):
    sections = "".join(f"<h2>{html.escape(sentence(rng, 5))}</h2>"
                       + "".join(paragraph(rng, links=rng.randint(1, 6)) for _ in range(12))
                       for _ in range(rng.randint(8, 14)))
    return (head(rng, "Long read") + f'<body><article class="h-entry"><h1 class="p-name">Long read</h1>'
            f'<div class="e-content">{sections}{paragraph(rng, target=target)}</div></article></body></html>\n')


def forum(rng, target):
    def nest(depth):
        if depth == 0:
            return paragraph(rng, links=rng.randint(2, 8))
        return f'<div class="post depth-{depth}"><table><tr><td>{nest(depth - 1)}</td></tr></table>' + \
            "".join(f'<a href="http://spam{rng.randint(1, 9999)}.example/">cheap {w}</a> ' for w in rng.sample(WORDS, 10)) + "</div>"
    threads = "".join(nest(rng.randint(6, 24)) for _ in range(10))
    return (f'<html><head><title>Forum</title></head><body>{threads}'
            f'{paragraph(rng, target=target if rng.random() < 0.5 else None)}</body></html>\n')


def big(path, size, target):
    def page(comments):
        return wordpress(random.Random(20261126), target, comments=comments)
    comments = size // max(1, (len(page(200)) - len(page(0))) // 200)
    text = page(comments)
    while len(text.encode()) > size and comments > 0:
        comments = comments * size // len(text.encode()) - 1
        text = page(max(0, comments))
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)
    print(f"{len(text.encode())} bytes, {comments} comments in {path}")


def main():
    if sys.argv[1] == "--big":
        big(sys.argv[2], int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "https://blog.example/posts/1")
        return
    directory = sys.argv[1]
    target = sys.argv[2] if len(sys.argv) > 2 else "https://blog.example/posts/1"
    os.makedirs(directory, exist_ok=True)
    rng = random.Random(20261126)
    pages = []
    for index in range(12):
        pages.append((f"wordpress-{index:02}", wordpress(rng, target, comments=rng.choice([0, 3, 12, 40]))))
    for index in range(12):
        pages.append((f"reply-{index:02}", reply(rng, target)))
    for index in range(8):
        pages.append((f"like-{index:02}", like(rng, target)))
    for index in range(4):
        pages.append((f"article-{index:02}", article(rng, target)))
    for index in range(4):
        pages.append((f"forum-{index:02}", forum(rng, target)))
    for index in range(4):
        pages.append((f"nolink-{index:02}", wordpress(rng, None, comments=5)))
    for name, text in pages:
        with open(os.path.join(directory, name + ".html"), "w", encoding="utf-8") as file:
            file.write(text)
    total = sum(len(text.encode()) for _, text in pages)
    print(f"{len(pages)} pages, {total // 1024} KB in {directory}")


if __name__ == "__main__":
    main()
