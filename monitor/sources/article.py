"""A related article on another publisher's site, watched by its URL."""

from __future__ import annotations

from monitor.extract.article import VERSION, extract_article
from monitor.models import Extraction
from monitor.sources import SourceKind, register


@register
class Article(SourceKind):
    """A related publication (a think-tank country report, an analysis) at a given URL.

    Configure it with the document's URL and the country it concerns:
    [[watch]] kinds = ["article"], country = "kyrgyzstan", url = "https://…".
    The main text of an HTML page is read with trafilatura (a rendered-text capture
    directly, from its first paragraph to its last sentence): title, authors, date,
    and the paragraphs (list items and headings each their own), without menus,
    related-article lists, newsletter boxes, cookie banners or footers. The whole text
    is one section, titled with the article's title, so two versions compare sentence
    by sentence (a changed title shows as the section renamed). No scores: text deltas
    only. A page with under 250 characters of main text (an error page, a login wall)
    or over 60,000 HTML tags is not an article.
    """

    name = "article"
    label = "article"
    version = VERSION
    per_edition = False
    takes_url = True

    def url(self, country: str, edition: int | None) -> str:
        raise ValueError('an article is watched by its URL: give url = "https://…" in its entry')

    def locate(self, url: str) -> tuple[str, int | None] | None:
        return None  # an article's URL does not say which country it concerns

    def extract(
        self,
        content: bytes | str,
        *,
        url: str | None = None,
        content_type: str | None = None,
        edition: int | None = None,
    ) -> Extraction:
        return extract_article(content, url=url, content_type=content_type)
