"""Article pages for tests: a publisher's page around an article's text, with the chrome
an extractor must leave out (skip link, menu, cookie banner, related articles,
newsletter box, footer). Chrome text is ours; the article's text is the caller's."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

# Text of the page around the article: none of it may reach the extraction.
CHROME = (
    "Skip to content",
    "About us",
    "Publications",
    "We use cookies",
    "Related Articles",
    "Elections in the steppe",
    "Donors and the rule of law",
    "Join our mailing list",
    "Keep informed about events",
    "Registered charity",
    "Privacy policy",
)


def article_page(
    title: str,
    paragraphs: Sequence[str],
    items: Sequence[str] = (),
    *,
    byline: str = 'Article by <a rel="author" href="/author/a-writer/">A. Writer</a>',
    date: str | None = "2021-03-01",
    closing: Sequence[str] = (),
) -> str:
    """`paragraphs`, then `items` as a bulleted list, then `closing` paragraphs."""

    def ps(texts: Sequence[str]) -> str:
        return "\n".join(f"<p>{escape(t)}</p>" for t in texts)

    when = f'<time datetime="{date}">{date}</time>' if date else ""
    listed = "".join(f"<li>{escape(item)}</li>" for item in items)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} - The Centre</title></head>
<body>
<a class="skip-link" href="#content">Skip to content</a>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/about/">About us</a></li>
<li><a href="/events/">Events</a></li><li><a href="/publications/">Publications</a></li></ul>
</nav></header>
<div class="cookie-banner"><p>We use cookies to understand how the site is used. By
continuing to browse you agree to our use of cookies.</p><button>Accept</button></div>
<main id="content"><article>
<h1 class="entry-title">{escape(title)}</h1>
<div class="entry-meta"><span class="byline">{byline}</span> {when}</div>
<div class="entry-content">
<h2>{escape(title)}</h2>
{ps(paragraphs)}
{f"<ul>{listed}</ul>" if items else ""}
{ps(closing)}
</div></article>
<aside class="related"><h3>Related Articles</h3><ul>
<li><a href="/elections/">Elections in the steppe: a look back at the vote</a></li>
<li><a href="/donors/">Donors and the rule of law: what changed since 2015</a></li></ul></aside>
<aside class="newsletter"><h3>Join our mailing list</h3><p>Keep informed about events,
articles and our latest publications.</p><form><input type="email" name="email">
<button>Subscribe</button></form></aside>
</main>
<footer><p>© 2021 The Centre. Registered charity.</p><ul><li><a href="/privacy/">Privacy
policy</a></li><li><a href="/terms/">Terms</a></li></ul></footer>
</body></html>"""
