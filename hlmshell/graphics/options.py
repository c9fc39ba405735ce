"""Graph options in Stata's syntax ([G-3]): titles, axes, legend, marker and line styles.

`parse(text, allowed)` turns an option list into a dict keyed by the full option name,
each value already interpreted (titles as text, xlabel() as ticks, msymbol() checked).
An option outside `allowed` is r(198) `option xyz not allowed`, as Stata says: nothing is
ignored silently.
"""
from __future__ import annotations

import re

from hlmshell.errors import StataError
from hlmshell.syntax.spec import parse_option_list, split_options, top_level_positions

# full name → minimum abbreviation
NAMES = {
    "title": "title", "subtitle": "subtitle", "note": "note", "caption": "caption",
    "xtitle": "xtitle", "ytitle": "ytitle", "legend": "leg", "xlabel": "xlab",
    "ylabel": "ylab", "name": "name", "saving": "saving", "scheme": "sch", "nodraw": "nodraw",
    "by": "by", "msymbol": "ms", "mcolor": "mc", "msize": "msiz", "lcolor": "lc",
    "lpattern": "lp", "lwidth": "lw", "color": "color", "fcolor": "fc", "sort": "sort",
    "level": "level", "bwidth": "bw", "range": "range", "n": "n", "xscale": "xsc",
    "yscale": "ysc", "cols": "cols", "rows": "rows", "total": "total", "missing": "missing",
    "yline": "yli", "xline": "xli", "horizontal": "hor", "over": "over", "normal": "norm", "ascategory": "ascategory", "nofill": "nofill",
}

# Stata's colour words (its color styles, RGB 0-255)
COLORS = {
    "navy": (26, 71, 111), "maroon": (144, 53, 59), "forest_green": (85, 117, 47),
    "dkorange": (227, 126, 0), "teal": (110, 142, 132), "cranberry": (193, 5, 52),
    "lavender": (147, 141, 210), "khaki": (202, 194, 126), "sienna": (160, 82, 45),
    "emidblue": (123, 146, 168), "emerald": (45, 109, 102), "brown": (156, 136, 71),
    "erose": (191, 161, 156), "gold": (255, 210, 0), "bluishgray": (214, 219, 225),
    "ltbluishgray": (234, 242, 243), "black": (0, 0, 0), "white": (255, 255, 255),
    "red": (255, 0, 0), "blue": (0, 0, 255), "green": (0, 128, 0), "orange": (255, 165, 0),
    "yellow": (255, 255, 0), "purple": (128, 0, 128), "pink": (255, 192, 203),
    "gray": (128, 128, 128), "grey": (128, 128, 128), "ltblue": (190, 210, 230),
    "dknavy": (0, 50, 100), "olive": (128, 128, 0), "magenta": (255, 0, 255),
    "cyan": (0, 255, 255), "lime": (0, 255, 0), "sand": (206, 179, 140),
    "stone": (235, 235, 215), "mint": (173, 216, 160), "eggshell": (240, 240, 220),
    "none": None,
}
# the stata2 (s2color) plot palette, in the order plots take them
PALETTE = ("navy", "maroon", "forest_green", "dkorange", "teal", "cranberry", "lavender",
           "khaki", "sienna", "emidblue", "emerald", "brown", "erose", "gold", "bluishgray")
MONO = ("black", "gs8", "gs4", "gs12", "gs6", "gs10")

SYMBOLS = {"o", "d", "t", "s", "+", "x", "a", "|", "v", "p", "i", "oh", "dh", "th", "sh",
           "smcircle", "circle", "diamond", "triangle", "square", "plus", "point", "none"}
PATTERNS = {"solid", "dash", "dot", "dash_dot", "shortdash", "shortdash_dot", "longdash",
            "longdash_dot", "blank", "l", "_", "-", ".", "-.", "_-", "__"}
SIZES = {"vtiny", "tiny", "vsmall", "small", "medsmall", "medium", "medlarge", "large",
         "vlarge", "huge", "vhuge", "thin", "vthin", "thick", "vthick", "medthin",
         "medthick", "none"}


def color_rgb(word: str):
    """A Stata colour (a name, `gs#`, or "R G B") → (r, g, b) in 0-1, None for `none`."""
    w = word.strip().strip('"').lower()
    m = re.fullmatch(r"gs(\d+)", w)
    if m and int(m.group(1)) <= 16:
        g = int(m.group(1)) / 16
        return (g, g, g)
    parts = w.split()
    if len(parts) == 3 and all(p.isdigit() and int(p) <= 255 for p in parts):
        return tuple(int(p) / 255 for p in parts)
    if w in COLORS:
        rgb = COLORS[w]
        return None if rgb is None else tuple(c / 255 for c in rgb)
    raise StataError(198, f"{word.strip()} is not a valid color")


def full_name(word: str) -> str | None:
    for name, minimum in NAMES.items():
        if name.startswith(word) and len(word) >= len(minimum):
            return name
    return None


def text_arg(arg: str) -> str:
    """`"a" "b"` → two lines; `some text` → itself; suboptions after a comma are refused."""
    main, sub = split_options(arg)
    if sub is not None and sub.strip():
        word = parse_option_list(sub)[0][0]
        raise StataError(198, f"option {word} not allowed")
    main = main.strip()
    quoted = re.findall(r'`"(.*?)"\'|"([^"]*)"', main)
    if quoted and main.startswith(('"', '`"')):
        return "\n".join(a or b for a, b in quoted)
    return main


def numlist(text: str) -> list[float]:
    """Stata's numlist: `0(10)100`, `1/5`, `0 5 10`, `-1(.5)1`."""
    out: list[float] = []
    for tok in re.findall(r"-?[\d.]+\s*\(\s*-?[\d.]+\s*\)\s*-?[\d.]+|-?[\d.]+/-?[\d.]+|\S+",
                          text):
        m = re.fullmatch(r"(-?[\d.]+)\s*\(\s*(-?[\d.]+)\s*\)\s*(-?[\d.]+)", tok)
        try:
            if m:
                a, step, b = (float(g) for g in m.groups())
                if step == 0 or (b - a) / step < 0 or (b - a) / step > 10000:
                    raise StataError(121, "invalid numlist")
                k = int(round((b - a) / step + 1e-9))
                out.extend(a + step * i for i in range(k + 1))
            elif "/" in tok:
                a, b = (int(float(s)) for s in tok.split("/"))
                out.extend(float(i) for i in range(a, b + 1))
            else:
                out.append(float(tok))
        except ValueError:
            raise StataError(121, "invalid numlist") from None
    return out


def axis_labels(arg: str) -> dict:
    """xlabel(#5) / xlabel(0(10)100) / xlabel(1 "low" 2 "high") / xlabel(, angle(45))."""
    main, sub = split_options(arg)
    out: dict = {}
    for word, val in parse_option_list(sub or ""):
        if "angle".startswith(word) and len(word) >= 1 and word.startswith("a"):
            v = (val or "").strip().lower()
            out["angle"] = {"horizontal": 0, "h": 0, "vertical": 90, "v": 90}.get(v)
            if out["angle"] is None:
                try:
                    out["angle"] = float(v)
                except ValueError:
                    raise StataError(198, "option angle() incorrectly specified") from None
        elif word in ("nogrid", "grid") and val is None:
            out["grid"] = word == "grid"
        elif word.startswith("labs") and "labsize".startswith(word) and val is not None:
            out["labsize"] = _size(val)
        elif word == "format" and val is not None:
            from hlmshell.render.formats import is_format
            if not is_format(val.strip()):
                raise StataError(120, "invalid %format")
            out["format"] = val.strip()
        else:
            raise StataError(198, f"option {word} not allowed")
    main = main.strip()
    if not main:
        return out
    m = re.fullmatch(r"#(\d+)", main)
    if m:
        out["count"] = max(int(m.group(1)), 1)
        return out
    ticks: list[tuple[float, str]] = []
    pieces = re.findall(r'"[^"]*"|[^\s"]+(?:\s*\(\s*-?[\d.]+\s*\)\s*-?[\d.]+)?', main)
    for piece in pieces:
        if piece.startswith('"'):
            if not ticks:
                raise StataError(198, "invalid label specifier")
            ticks[-1] = (ticks[-1][0], piece[1:-1])
        else:
            ticks.extend((v, _tick_text(v)) for v in numlist(piece))
    out["ticks"] = ticks
    return out


def _tick_text(v: float) -> str:
    from hlmshell.render.formats import fmt
    return fmt(v, "%9.0g").strip()


def legend_arg(arg: str) -> dict:
    """legend(off|on), legend(order(1 "a" 2 "b")), legend(label(1 "a"))."""
    out: dict = {}
    text = arg.strip()
    if text.lower() in ("off", "on"):
        return {"show": text.lower() == "on"}
    for word, val in parse_option_list(text):
        if word in ("off", "on"):
            out["show"] = word == "on"
        elif "order".startswith(word) and len(word) >= 5:
            order, labels = [], {}
            for num, lab in re.findall(r'(\d+)|"([^"]*)"', val or ""):
                if num:
                    order.append(int(num))
                elif order:
                    labels[order[-1]] = lab
            out.setdefault("labels", {}).update(labels)
            out["order"] = order
        elif "label".startswith(word) and len(word) >= 3:
            m = re.fullmatch(r'\s*(\d+)\s+"([^"]*)"\s*', val or "")
            if not m:
                raise StataError(198, "invalid legend label")
            out.setdefault("labels", {})[int(m.group(1))] = m.group(2)
        elif word in ("rows", "cols", "position", "pos", "ring") and val is not None:
            try:
                out["position" if word == "pos" else word] = int(val)
            except ValueError:
                raise StataError(198, f"option {word}() incorrectly specified") from None
        elif word == "size" and val is not None:
            out["size"] = _size(val)
        else:
            raise StataError(198, f"option {word} not allowed")
    return out


def line_arg(arg: str) -> dict:
    """yline(0 10 [, lcolor() lpattern() lwidth()]): reference lines at the values."""
    main, sub = split_options(arg)
    out = {"at": numlist(main)}
    if not out["at"]:
        raise StataError(198, "invalid numlist")
    for word, val in parse_option_list(sub or ""):
        name = full_name(word)
        if name not in ("lcolor", "lpattern", "lwidth", "color") or val is None:
            raise StataError(198, f"option {word} not allowed")
        out[name] = interpret(name, val)[0]
    return out


def by_arg(arg: str) -> dict:
    """by(varlist [, cols(#) rows(#) total note() title()])."""
    main, sub = split_options(arg)
    out = {"vars": main.split()}
    if not out["vars"]:
        raise StataError(100, "varlist required")
    for word, val in parse_option_list(sub or ""):
        if word in ("cols", "rows"):
            try:
                out[word] = int(val)
            except (TypeError, ValueError):
                raise StataError(198, f"option {word}() incorrectly specified") from None
        elif word in ("total", "missing"):
            out[word] = True
        elif word in ("note", "title", "subtitle"):
            out[word] = text_arg(val or "")
        else:
            raise StataError(198, f"option {word} not allowed")
    return out


def _check_word(name: str, val: str, allowed: set) -> str:
    v = val.strip().lower()
    if v not in allowed:
        raise StataError(198, f"{val.strip()} invalid {name}")
    return v


def parse(text: str | None, allowed: set[str]) -> dict:
    """The option list `text` → {full name: interpreted value}."""
    out: dict = {}
    for word, arg in parse_option_list(text or ""):
        name = full_name(word)
        if name is None or name not in allowed:
            raise StataError(198, f"option {word} not allowed")
        out[name] = interpret(name, arg)
    return out


FLAGS = {"normal", "nodraw", "sort", "total", "missing", "horizontal", "ascategory", "nofill"}


def interpret(name: str, arg: str | None):
    if name in FLAGS:
        if arg is not None:
            raise StataError(198, f"option {name}() not allowed")
        return True
    if arg is None:
        if name == "legend":
            raise StataError(198, "option legend() required")
        raise StataError(198, f"option {name}() required")
    if name in ("title", "subtitle", "note", "caption", "xtitle", "ytitle"):
        return text_arg(arg)
    if name in ("xlabel", "ylabel"):
        return axis_labels(arg)
    if name == "legend":
        return legend_arg(arg)
    if name in ("xline", "yline"):
        return line_arg(arg)
    if name == "by":
        return by_arg(arg)
    if name in ("mcolor", "lcolor", "color", "fcolor"):
        words = [w for w in re.findall(r'"[^"]*"|\S+', arg)]
        return [color_rgb(w) for w in words] if words else None
    if name == "msymbol":
        return [_check_word("symbol", w, SYMBOLS) for w in arg.split()]
    if name == "lpattern":
        return [_check_word("line pattern", w, PATTERNS) for w in arg.split()]
    if name in ("msize", "lwidth"):
        return [_size(w) for w in arg.split()]
    if name in ("name", "saving"):
        main, sub = split_options(arg)
        flags = [w for w, _ in parse_option_list(sub or "")]
        bad = [w for w in flags if w != "replace"]
        if bad:
            raise StataError(198, f"option {bad[0]} not allowed")
        target = main.strip().strip('"')
        if not target:
            raise StataError(198, "invalid syntax")
        return {"target": target, "replace": "replace" in flags}
    if name in ("level", "bwidth", "n", "cols", "rows"):
        try:
            value = float(arg)
        except ValueError:
            raise StataError(198, f"option {name}() incorrectly specified") from None
        if name == "level" and not 10 <= value <= 99.99:
            raise StataError(198, "level() must be between 10 and 99.99 inclusive")
        if name in ("n", "cols", "rows") and (value != int(value) or value < 1):
            raise StataError(198, f"option {name}() incorrectly specified")
        if name == "bwidth" and not 0 < value <= 1:
            raise StataError(198, "bwidth() must be between 0 and 1")
        return value
    if name == "range":
        vals = numlist(arg)
        if len(vals) != 2:
            raise StataError(198, "option range() incorrectly specified")
        return vals
    if name == "scheme":
        v = arg.strip().lower()
        if v not in ("s2color", "stata2", "s1mono", "s2mono", "stcolor"):
            raise StataError(111, f"scheme {arg.strip()} not found")
        return "s1mono" if v in ("s1mono", "s2mono") else "stata2"
    if name in ("xscale", "yscale"):
        words = arg.lower().split()
        if any(w not in ("log", "lin", "linear") for w in words):
            raise StataError(198, f"option {name}() incorrectly specified")
        return "log" in words
    if name == "over":
        main, sub = split_options(arg)
        if sub and sub.strip():
            raise StataError(198, f"option {parse_option_list(sub)[0][0]} not allowed")
        return main.strip()
    raise StataError(198, f"option {name} not allowed")


def _size(word: str):
    w = word.strip().lower()
    if w in SIZES:
        return w
    try:
        return float(w)
    except ValueError:
        raise StataError(198, f"{word} invalid size") from None


def split_top(text: str, sep: str) -> list[str]:
    """`text` cut at top-level occurrences of the one-character `sep` (outside quotes and
    parentheses)."""
    cuts = [i for i, _ in top_level_positions(text, sep)]
    pieces, start = [], 0
    for i in cuts:
        pieces.append(text[start:i])
        start = i + 1
    pieces.append(text[start:])
    return pieces
