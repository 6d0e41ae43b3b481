"""Serve the "Open in Colab" badge from the site itself, so it shows offline and in the PDF.

Every notebook's first cell carries the usual badge, an image fetched from Colab's site
(``COLAB_BADGE`` below) around a link to the notebook on Colab. In Jupyter, on GitHub and in Colab that image
loads; on this site, read offline or printed, it would be broken alt text. While the pages are read, this
extension points every image with that address at ``book/_static/colab-badge.svg`` (the book's own drawing), which
Sphinx then copies into the site like any other image. The notebooks are left as they are; the link is unchanged.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms import SphinxTransform

COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
LOCAL_BADGE = "/book/_static/colab-badge.svg"  # from the book's source folder


def local_uri(uri: str) -> str | None:
    """The local badge for Colab's badge address (with or without a query string), else None."""
    return LOCAL_BADGE if uri.split("?", 1)[0] == COLAB_BADGE else None


class LocalColabBadge(SphinxTransform):
    default_priority = 100  # before Sphinx collects the images of a page (on doctree-read)

    def apply(self, **kwargs):
        for image in self.document.findall(nodes.image):
            new = local_uri(image.get("uri", ""))
            if new:
                image["uri"] = new
                if "candidates" in image:
                    del image["candidates"]


def setup(app):
    app.add_transform(LocalColabBadge)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
