"""Other packages' files through pyreadstat: import spss (.sav/.zsav), import sas
(.sas7bdat), export spss (.sav).

Numeric columns come in as double (their display format from the file when it is a Stata
one, else %10.0g), text as str#; variable labels, value labels and the file label are kept.
SPSS user-defined missing values and SAS special missing values become `.`.
"""
from __future__ import annotations

import os
import tempfile

import numpy as np

from hlmshell.commands.data_io import (EXPORT, IMPORT, file_token, find_using, options,
                                       refuse_if_changed, target_path, write_messages)
from hlmshell.dataset.dataset import Dataset, string_type_for
from hlmshell.dataset.varlist import NAME_RE, expand_varlist
from hlmshell.errors import StataError
from hlmshell.paths import find_file, with_extension
from hlmshell.syntax.spec import Spec, split_options

IMPORT_OPTS = Spec(", CLEAR")
EXPORT_OPTS = Spec(", REPLACE")


def _stata_name(name: str, taken: set) -> str:
    """A legal, unused Stata name for a foreign column name (invalid characters → _)."""
    clean = "".join(c if c.isalnum() or c == "_" else "_" for c in name)[:32] or "v"
    if clean[0].isdigit():
        clean = ("_" + clean)[:32]
    base, k = clean, 1
    while clean in taken or not NAME_RE.match(clean):
        clean = f"{base[:28]}_{k}"
        k += 1
    taken.add(clean)
    return clean


def _to_dataset(frame: dict, meta) -> Dataset:
    ds = Dataset()
    labels = meta.column_names_to_labels or {}
    taken: set = set()
    renamed = {}
    for name in meta.column_names:
        new = _stata_name(name, taken)
        renamed[name] = new
        raw = np.asarray(frame[name], dtype=object)
        if all(v is None or isinstance(v, str) for v in raw) and \
                (meta.readstat_variable_types or {}).get(name) == "string":
            values = np.array(["" if v is None else v for v in raw], dtype=object)
            ds.add(new, values, string_type_for(values), label=(labels.get(name) or "")[:80])
        else:
            values = np.array([np.nan if v is None else float(v) for v in raw], dtype=float)
            ds.add(new, values, "double", label=(labels.get(name) or "")[:80])
    # each labelled variable gets a value label of its own name (as Stata's import spss)
    for name, mapping in (getattr(meta, "variable_value_labels", None) or {}).items():
        if name not in renamed or ds.vars[renamed[name]].is_string:
            continue
        entries = {}
        for v, text in mapping.items():
            try:
                fv = float(v)
            except (TypeError, ValueError):
                continue   # labels of string values: Stata has none
            if fv == int(fv):
                entries[fv] = str(text)
        new = renamed[name]
        ds.value_labels[new] = dict(sorted(entries.items()))
        ds.vars[new].value_label = new
    ds.label = (getattr(meta, "file_label", None) or "")[:80]
    ds.changed = False
    return ds


def _import(session, body: str, kind: str, ext: str):
    import pyreadstat
    main, opt_text = split_options(body)
    opts = options(IMPORT_OPTS, opt_text)
    span = find_using(main)
    if span is not None:
        if main[:span[0]].strip():
            raise StataError(198, "invalid syntax")
        main = main[span[1]:]
    name = file_token(main)
    if not name:
        raise StataError(198, "invalid file specification")
    refuse_if_changed(session, opts)
    path = find_file(session, name, ext)
    reader = pyreadstat.read_sav if kind == "spss" else pyreadstat.read_sas7bdat
    try:
        frame, meta = reader(path, output_format="dict", disable_datetime_conversion=True,
                             user_missing=False)
    except TypeError:   # read_sas7bdat has no user_missing
        try:
            frame, meta = reader(path, output_format="dict", disable_datetime_conversion=True)
        except Exception:
            raise StataError(610, f"file {with_extension(name, ext)} not {kind.upper()} format") from None
    except Exception:
        raise StataError(610, f"file {with_extension(name, ext)} not {kind.upper()} format") from None
    data = _to_dataset(frame, meta)
    session.data = data
    k, n = len(data.names), data.nobs
    return f"({k} var{'s' if k != 1 else ''}, {n:,} ob{'s' if n != 1 else ''})"


@IMPORT.command("spss", syntax="raw")
def import_spss(session, body: str):
    """import spss [using] filename [, clear]"""
    return _import(session, body, "spss", ".sav")


@IMPORT.command("sas", syntax="raw")
def import_sas(session, body: str):
    """import sas [using] filename [, clear]"""
    return _import(session, body, "sas", ".sas7bdat")


@EXPORT.command("spss", syntax="raw")
def export_spss(session, body: str):
    """export spss [varlist] using filename [, replace]"""
    import pandas as pd
    import pyreadstat
    main, opt_text = split_options(body)
    opts = options(EXPORT_OPTS, opt_text)
    span = find_using(main)
    var_text = ""
    if span is None:
        name = file_token(main)
    else:
        var_text = main[:span[0]]
        name = file_token(main[span[1]:])
    if not name:
        raise StataError(198, "invalid file specification")
    data = session.data
    if not data.vars:
        raise StataError(111, "no variables defined")
    names = expand_varlist(var_text, data.names) if var_text.strip() else data.names
    path, shown = target_path(name, ".sav")
    lines = write_messages(path, shown, bool(opts.get("replace")))
    frame = pd.DataFrame({n: data.column(n) for n in names})
    labels = {n: data.var(n).label for n in names}
    value_labels = {}
    for n in names:
        mapping = data.value_labels.get(data.var(n).value_label or "")
        if mapping:
            value_labels[n] = {int(v) if float(v).is_integer() else v: t for v, t in mapping.items()}
    folder = os.path.dirname(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".hlmshell-", suffix=".sav", dir=folder)
        os.close(fd)
    except OSError:
        raise StataError(603, f"file {shown} could not be opened") from None
    try:
        pyreadstat.write_sav(frame, tmp, column_labels=labels, variable_value_labels=value_labels,
                             file_label=data.label or None)
        os.replace(tmp, path)
    except OSError:
        raise StataError(603, f"file {shown} could not be opened") from None
    except Exception as err:    # pyreadstat's ReadstatError: e.g. a name SPSS does not allow
        if type(err).__name__ != "ReadstatError":
            raise
        raise StataError(198, f"file {shown} could not be written: {err}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return "\n".join(lines + [f"file {shown} saved"])
