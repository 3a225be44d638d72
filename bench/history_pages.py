#!/usr/bin/env python3
"""A realistic version history of one web page, for bench/history_storage.sh.

A page of about 60 KB of HTML with inline CSS and JavaScript, then versions
that each change a few lines (a CSS value, a sentence, a JS constant, a line
added or removed), the way an agent edits a page, and now and then a restore:
an older version's code posted again, which later edits continue from.
Deterministic for a seed. Writes one JSON request body per line:
{"code": ..., "changes": ...}.

Usage: history_pages.py VERSIONS [SEED] > bodies.jsonl
"""

import json
import random
import sys

WORDS = ("agent memory site layout grid card header footer button portfolio "
         "project contact about pricing feature client story team launch "
         "design build deploy review audit version history cache session "
         "user preference theme colour spacing typography motion accessible "
         "responsive fast secure simple modern elegant bold clear friendly "
         "the a of and to in for with on by from our your we you it is are").split()


def sentence(rng, n=None):
    n = n or rng.randint(8, 18)
    s = " ".join(rng.choice(WORDS) for _ in range(n))
    return s[0].upper() + s[1:] + "."


def css_block(rng, i):
    props = [
        f"  margin: {rng.randint(0, 48)}px {rng.randint(0, 48)}px;",
        f"  padding: {rng.randint(0, 32)}px;",
        f"  color: #{rng.randrange(0x1000000):06x};",
        f"  background: #{rng.randrange(0x1000000):06x};",
        f"  font-size: {rng.choice([12, 14, 16, 18, 20, 24, 32])}px;",
        f"  border-radius: {rng.randint(0, 16)}px;",
        f"  display: {rng.choice(['flex', 'grid', 'block', 'inline-block'])};",
        f"  transition: all {rng.randint(1, 9) / 10}s ease-in-out;",
    ]
    rng.shuffle(props)
    sel = f".{rng.choice(WORDS)}-{rng.choice(WORDS)}-{i}"
    return [sel + " {"] + props[: rng.randint(3, 7)] + ["}"]


def js_function(rng, i):
    name = f"{rng.choice(WORDS)}{rng.choice(WORDS).title()}{i}"
    lines = [f"function {name}(el, options) {{",
             f"  const limit = {rng.randint(1, 500)};",
             f"  const label = \"{sentence(rng, 4)}\";"]
    for _ in range(rng.randint(3, 9)):
        lines.append(rng.choice([
            f"  if (options.{rng.choice(WORDS)} > limit) {{ el.classList.add"
            f"('{rng.choice(WORDS)}'); }}",
            f"  el.style.opacity = {rng.randint(0, 100) / 100};",
            f"  el.setAttribute('data-{rng.choice(WORDS)}', label);",
            f"  for (let k = 0; k < {rng.randint(2, 40)}; k++) "
            f"{{ el.dataset.n = k; }}",
            f"  console.debug('{name}', limit, label);",
        ]))
    lines += ["  return el;", "}"]
    return lines


def html_section(rng, i):
    lines = [f'<section class="{rng.choice(WORDS)}-{i}" id="s{i}">',
             f"  <h2>{sentence(rng, 4)}</h2>"]
    for _ in range(rng.randint(2, 6)):
        lines.append(f"  <p>{sentence(rng)} {sentence(rng)}</p>")
    lines.append(f'  <a class="button" href="#s{i + 1}">{sentence(rng, 2)}</a>')
    lines.append("</section>")
    return lines


def first_page(rng, target=60_000):
    css, js, body = [], [], []
    i = 0
    while sum(len(line) + 1 for line in css + js + body) < target:
        css += css_block(rng, i)
        js += js_function(rng, i)
        body += html_section(rng, i)
        body += html_section(rng, i + 1000)
        i += 1
    return (["<!doctype html>", "<html lang=\"en\">", "<head>",
             "<meta charset=\"utf-8\">", "<title>Portfolio</title>",
             "<style>"] + css + ["</style>", "</head>", "<body>"] + body
            + ["<script>"] + js + ["</script>", "</body>", "</html>"])


def edit(rng, lines):
    """Changes one to five lines where an agent would."""
    what = []
    for _ in range(rng.randint(1, 5)):
        i = rng.randrange(8, len(lines) - 4)
        kind = rng.random()
        line = lines[i]
        if kind < 0.45 and ":" in line and line.rstrip().endswith(";"):
            key = line.split(":")[0]
            lines[i] = f"{key}: {rng.randint(0, 64)}px;"
            what.append("tweaked a style")
        elif kind < 0.7 and "<p>" in line:
            lines[i] = f"  <p>{sentence(rng)} {sentence(rng)}</p>"
            what.append("rewrote a paragraph")
        elif kind < 0.85:
            lines.insert(i, f"  <p>{sentence(rng)}</p>" if "<" in line
                         else f"  el.dataset.{rng.choice(WORDS)} = "
                              f"{rng.randint(0, 99)};")
            what.append("added a line")
        elif len(lines) > 400:
            del lines[i]
            what.append("removed a line")
    return ", ".join(what) or "no change"


def main():
    versions = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 13)
    lines = first_page(rng)
    history = []
    for n in range(1, versions + 1):
        if n > 1 and n % 25 == 0:
            # A restore: an older version's code again, edits go on from it.
            back = rng.randrange(max(1, n - 100), n - 1)
            code = history[back - 1]
            lines = code.split("\n")
            changes = f"restored version {back}"
        else:
            changes = edit(rng, lines) if n > 1 else "first version"
            code = "\n".join(lines)
        history.append(code)
        sys.stdout.write(json.dumps({"code": code, "changes": changes}) + "\n")


if __name__ == "__main__":
    main()
