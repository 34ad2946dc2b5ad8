#!/usr/bin/env python3
"""Read an HTML page of `bmfleet report` (a file, or Chromium's --dump-dom on stdin with `-`) and
print what a reader would check, as JSON: the CSP, anything that would load from outside, the
pairs linked and their statuses, the timeline's bars and bands, the verdicts, retry commands,
the customer's story and legend, and the embedded logo (the one image a page may show: an
`<img class="logo">` whose source is a `data:image/...` URI; any other image is forbidden).
The Rust tests assert on this JSON; parsing is Python's html.parser (no dependency)."""
import json
import sys
from html.parser import HTMLParser

LOADING = {"src", "href", "srcset", "action", "data", "poster", "xlink:href", "formaction"}
EMBEDDED = ("data:image/png;base64,", "data:image/jpeg;base64,", "data:image/svg+xml;base64,")
FORBIDDEN = {"script", "img", "iframe", "object", "embed", "link", "video", "audio", "source", "base", "form"}


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.facts = {"csp": [], "outside": [], "forbidden": [], "links": [], "statuses": {},
                      "spans": {}, "bands": 0, "pnr": 0, "verdicts": [], "retry": [], "pairs": [],
                      "svgs": [], "style_urls": 0, "downtime_bars": [], "logos": [], "story": None,
                      "story_text": "", "legend": []}
        self.stack = []
        self.text_into = None
        self.svg = "?"

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        f = self.facts
        logo = tag == "img" and "logo" in cls and (a.get("src") or "").startswith(EMBEDDED)
        if logo:
            f["logos"].append(a["src"].split(";")[0])
        for name, value in attrs:
            v = (value or "").strip().lower()
            if logo and name == "src":
                continue
            if name in LOADING and (":" in v.split("/")[0] or v.startswith("//")):
                f["outside"].append(f"{tag} {name}={value}")
        if tag in FORBIDDEN and not logo:
            f["forbidden"].append(tag)
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            f["csp"].append(a.get("content"))
        if tag == "a" and a.get("href"):
            f["links"].append(a["href"])
        if "data-status" in a:
            f["statuses"].setdefault(a["data-status"], 0)
            f["statuses"][a["data-status"]] += 1
        if tag == "h1" and "data-pair" in a:
            f["pairs"].append(a["data-pair"])
        if tag == "svg":
            f["svgs"].append(" ".join(cls))
            self.svg = cls[-1] if cls else "?"
        if tag == "rect" and "span" in cls:
            # Keyed by picture: `campaign:hot-sync`, `downtime:post/failed`...
            key = self.svg + ":" + a.get("data-phase", "?") + ("/failed" if "failed" in cls else "")
            f["spans"][key] = f["spans"].get(key, 0) + 1
        if tag == "rect" and "band" in cls and "downtime" in cls:
            f["bands"] += 1
        if tag == "rect" and "bar" in cls:
            f["downtime_bars"].append(a.get("data-pair"))
        if tag == "line" and "pnr" in cls:
            f["pnr"] += 1
        if "data-verdict" in a:
            self.facts["verdicts"].append({"result": a["data-verdict"]})
        if tag == "code" and "retry" in cls:
            self.text_into = "retry"
            f["retry"].append("")
        if tag == "style":
            self.text_into = "style"
        if "data-story" in a:
            f["story"] = a["data-story"]
            self.text_into = "story"
        if tag == "span" and "key" in cls:
            f["legend"].append(" ".join(c for c in cls if c != "key") or "phase")

    def handle_endtag(self, tag):
        if tag in ("code", "style") or (tag == "div" and self.text_into == "story"):
            self.text_into = None

    def handle_data(self, data):
        if self.text_into == "retry":
            self.facts["retry"][-1] += data
        elif self.text_into == "story":
            self.facts["story_text"] += data
        elif self.text_into == "style":
            low = data.lower()
            self.facts["style_urls"] += low.count("url(") + low.count("@import")


def main():
    text = sys.stdin.read() if sys.argv[1] == "-" else open(sys.argv[1], encoding="utf-8").read()
    page = Page()
    page.feed(text)
    page.close()
    print(json.dumps(page.facts))


if __name__ == "__main__":
    main()
