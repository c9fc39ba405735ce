"""Graph files: `saving()`, `graph save`, `graph use`. The .gph here is hlmshell's own
format, not Stata's: a NumPy .npz holding the layers' arrays and the rest of the GraphSpec
as JSON (read back without pickle, so opening a file runs no code)."""
from __future__ import annotations

import json
import os
import zipfile

import numpy as np

from hlmshell.errors import StataError
from hlmshell.graphics.spec import Axis, GraphSpec, Layer, Panel

ARRAYS = ("x", "y", "y2")
FORMAT = "hlmshell-graph-1"


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def save(spec: GraphSpec, path: str) -> None:
    arrays, panels = {}, []
    for i, panel in enumerate(spec.panels):
        layers = []
        for j, layer in enumerate(panel.layers):
            for name in ARRAYS:
                value = getattr(layer, name)
                if value is not None:
                    arrays[f"p{i}l{j}{name}"] = np.asarray(value, dtype=float)
            layers.append({"kind": layer.kind, "label": layer.label,
                           "style": _plain(layer.style), "width": layer.width,
                           "stats": _plain(layer.stats), "categories": layer.categories,
                           "has": [n for n in ARRAYS if getattr(layer, n) is not None]})
        panels.append({"layers": layers, "xaxis": vars(panel.xaxis), "yaxis": vars(panel.yaxis),
                       "title": panel.title, "legend": panel.legend,
                       "legend_order": panel.legend_order, "horizontal": panel.horizontal,
                       "legend_layout": _plain(panel.legend_layout),
                       "xlines": _plain(panel.xlines), "ylines": _plain(panel.ylines)})
    meta = {k: getattr(spec, k) for k in ("command", "title", "subtitle", "note", "caption",
                                           "name", "scheme", "cols", "width_in", "height_in",
                                           "cmdline")}
    meta.update(format=FORMAT, panels=_plain(panels))
    with open(path, "wb") as fh:
        np.savez_compressed(fh, meta=np.array(json.dumps(meta)), **arrays)


def load(path: str) -> GraphSpec:
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            arrays = {k: z[k] for k in z.files if k != "meta"}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError):
        raise StataError(610, f"file {path} not a Stata graph file"
                         if os.path.exists(path) else f"file {path} not found") from None
    if meta.get("format") != FORMAT:
        raise StataError(610, f"file {path} not a Stata graph file")
    panels = []
    for i, p in enumerate(meta.pop("panels")):
        layers = []
        for j, lay in enumerate(p["layers"]):
            data = {n: arrays[f"p{i}l{j}{n}"] if n in lay["has"] else None for n in ARRAYS}
            style = {k: tuple(v) if isinstance(v, list) else v for k, v in lay["style"].items()}
            stats = lay["stats"]
            if stats:
                for box in stats:
                    box["fliers"] = np.asarray(box.get("fliers", []), dtype=float)
            layers.append(Layer(lay["kind"], data["x"], data["y"], data["y2"], lay["label"],
                                style, lay["width"], stats, lay["categories"]))
        xaxis, yaxis = Axis(**p["xaxis"]), Axis(**p["yaxis"])
        for axis in (xaxis, yaxis):
            if axis.labels:
                axis.labels = [tuple(t) for t in axis.labels]
        panels.append(Panel(layers=layers, xaxis=xaxis, yaxis=yaxis, title=p["title"],
                            legend=p["legend"], legend_order=p["legend_order"],
                            legend_layout=p.get("legend_layout", {}),
                            horizontal=p["horizontal"], xlines=p["xlines"], ylines=p["ylines"]))
    meta.pop("format")
    return GraphSpec(panels=panels, **meta)


def target(text: str) -> str:
    path = text.strip().strip('"')
    if not path:
        raise StataError(198, "invalid file specification")
    return path if os.path.splitext(path)[1] else path + ".gph"


def write(spec: GraphSpec, path: str, replace: bool) -> str:
    """Save; return Stata's note."""
    exists = os.path.exists(path)
    if exists and not replace:
        raise StataError(602, f"file {path} already exists")
    try:
        save(spec, path)
    except OSError:
        raise StataError(603, f"file {path} could not be opened") from None
    note = "" if exists or not replace else f"(file {path} not found)\n"
    return f"{note}(file {path} saved)"
