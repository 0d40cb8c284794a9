#!/usr/bin/env python3
"""Size budgets for Swift sources: no function longer than MAX_FUNCTION_LINES lines, no line longer
than MAX_LINE_COLUMNS columns (docs/testing.md, "Guard rails").

Today's offenders are listed in Scripts/budgets-allowlist.txt with their current size. The list is
a ratchet: an offender may shrink, never grow; a new offender fails; an entry that no longer
matches (the function shrank, was split or renamed, the file lost long lines) fails too until the
list is tightened, which `--tighten` does (it only lowers or removes entries, never adds or raises).
Standard library only.

    python3 Scripts/check-budgets.py [--tighten] DIR...
"""
import pathlib
import re
import sys

MAX_FUNCTION_LINES = 80
MAX_LINE_COLUMNS = 120
ROOT = pathlib.Path(__file__).resolve().parent.parent
ALLOWLIST = ROOT / "Scripts" / "budgets-allowlist.txt"


def mask(text: str) -> str:
    """The source with comments and string literal contents blanked (newlines kept), so braces,
    parentheses and keywords inside them do not count."""
    out = []
    i, n = 0, len(text)
    # Stack of contexts: "code" (with the paren depth at which an interpolation closes) or a string.
    stack = [("code", None)]
    while i < n:
        kind, info = stack[-1]
        c = text[i]
        if kind == "code":
            if text.startswith("//", i):
                j = text.find("\n", i)
                j = n if j < 0 else j
                out.append(" " * (j - i))
                i = j
                continue
            if text.startswith("/*", i):
                depth, j = 1, i + 2
                while j < n and depth:
                    if text.startswith("/*", j):
                        depth, j = depth + 1, j + 2
                    elif text.startswith("*/", j):
                        depth, j = depth - 1, j + 2
                    else:
                        j += 1
                out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
                i = j
                continue
            m = re.compile(r'(#*)("""|")').match(text, i)
            if m and (m.group(1) or c == '"'):
                hashes, quote = m.group(1), m.group(2)
                out.append(" " * (m.end() - i))
                stack.append(("string", (hashes, quote)))
                i = m.end()
                continue
            if info is not None:
                if c == "(":
                    stack[-1] = ("code", info + 1)
                elif c == ")":
                    if info == 0:
                        stack.pop()
                        out.append(" ")
                        i += 1
                        continue
                    stack[-1] = ("code", info - 1)
            out.append(c)
            i += 1
            continue
        hashes, quote = info
        closing = quote + hashes
        if text.startswith(closing, i):
            out.append(" " * len(closing))
            stack.pop()
            i += len(closing)
            continue
        escape = "\\" + hashes
        if text.startswith(escape, i):
            if text.startswith(escape + "(", i):
                out.append(" " * (len(escape) + 1))
                stack.append(("code", 0))
                i += len(escape) + 1
                continue
            out.append(" " * (len(escape) + 1))
            i += len(escape) + 1
            continue
        out.append("\n" if c == "\n" else " ")
        i += 1
    return "".join(out)


DECLARATION = re.compile(r"(?<![.\w])(func\s+([^\s(<]+)|init[?!]?|deinit|subscript)(?=\s*[(<{]|\s)")
STOPPERS = re.compile(r"\n\s*(?:@\w+\s+)*(?:(?:public|private|fileprivate|internal|static|mutating|override|final)\s+)*"
                      r"(?:func|var|let|case|init|deinit|subscript|struct|class|enum|protocol|extension|typealias)\b")


def functions(masked: str):
    """(name with argument labels, first line, line count) of every function body."""
    line_of = [0]
    for index, character in enumerate(masked):
        if character == "\n":
            line_of.append(index + 1)

    def line(position: int) -> int:
        low, high = 0, len(line_of) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if line_of[middle] <= position:
                low = middle
            else:
                high = middle - 1
        return low + 1

    for m in DECLARATION.finditer(masked):
        keyword = m.group(1)
        name = m.group(2) if keyword.startswith("func") else re.sub(r"[?!]", "", keyword)
        # The signature: up to the body's "{" at bracket depth 0, or no body (a requirement).
        depth, j, labels_text, open_paren = 0, m.end(), None, None
        body = None
        while j < len(masked):
            c = masked[j]
            if c in "([":
                if c == "(" and depth == 0 and open_paren is None:
                    open_paren = j
                depth += 1
            elif c in ")]":
                depth -= 1
                if depth == 0 and open_paren is not None and labels_text is None:
                    labels_text = masked[open_paren + 1:j]
            elif c == "{" and depth == 0:
                body = j
                break
            elif c == "}" and depth == 0:
                break
            elif c == "\n" and depth == 0 and STOPPERS.match(masked, j):
                break
            j += 1
        if body is None:
            continue
        depth, k = 0, body
        while k < len(masked):
            if masked[k] == "{":
                depth += 1
            elif masked[k] == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        labels = []
        if labels_text is not None and labels_text.strip():
            parameters, depth, start = [], 0, 0
            for index, character in enumerate(labels_text):
                if character in "([<":
                    depth += 1
                elif character in ")]>":
                    depth -= 1
                elif character == "," and depth == 0:
                    parameters.append(labels_text[start:index])
                    start = index + 1
            parameters.append(labels_text[start:])
            for parameter in parameters:
                head = parameter.split(":")[0].split()
                if head:
                    labels.append(head[0])
        first = line(m.start())
        yield f"{name}({''.join(label + ':' for label in labels)})", first, line(k) - first + 1


def measure(paths):
    found = {}
    for path in paths:
        relative = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        long_lines = sum(1 for line in text.split("\n") if len(line) > MAX_LINE_COLUMNS)
        if long_lines:
            found[f"lines {relative}"] = long_lines
        seen = {}
        for name, first, length in functions(mask(text)):
            key = f"function {relative}::{name}"
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                key += f"#{seen[key]}"
            if length > MAX_FUNCTION_LINES:
                found[key] = length
    return found


def read_allowlist():
    allowed = {}
    if ALLOWLIST.exists():
        for raw in ALLOWLIST.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, value = line.rsplit(" ", 1)
            allowed[key] = int(value)
    return allowed


def main() -> int:
    arguments = sys.argv[1:]
    tighten = "--tighten" in arguments
    directories = [ROOT / a for a in arguments if a != "--tighten"]
    if not directories:
        print(__doc__)
        return 2
    paths = sorted(p for d in directories for p in d.rglob("*.swift"))
    found = measure(paths)
    allowed = read_allowlist()
    covered = [d.relative_to(ROOT).as_posix() + "/" for d in directories]
    in_scope = {k: v for k, v in allowed.items() if any(k.split(" ", 1)[1].startswith(c) for c in covered)}
    failures, stale = [], []
    for key, size in sorted(found.items()):
        unit = "lines over %d columns" % MAX_LINE_COLUMNS if key.startswith("lines") else "lines"
        if key not in allowed:
            failures.append(f"{key}: {size} {unit} (budget: {MAX_FUNCTION_LINES if key.startswith('function') else 0})")
        elif size > allowed[key]:
            failures.append(f"{key}: {size} {unit}, grew past its allowlisted {allowed[key]}")
        elif size < allowed[key]:
            stale.append(key)
    stale += [key for key in in_scope if key not in found]
    if tighten:
        kept = {k: v for k, v in allowed.items() if k not in in_scope}
        kept.update({k: min(v, in_scope[k]) for k, v in found.items() if k in in_scope})
        header = [l for l in ALLOWLIST.read_text(encoding="utf-8").splitlines() if l.startswith("#")]
        ALLOWLIST.write_text("\n".join(header + [f"{k} {v}" for k, v in sorted(kept.items())]) + "\n", encoding="utf-8")
        print(f"check-budgets: allowlist tightened ({len(allowed) - len(kept)} entries removed)")
        stale = []
    for failure in failures:
        print(failure)
    for key in sorted(set(stale)):
        print(f"{key}: smaller than its allowlist entry ({found.get(key, 'gone')} vs {allowed[key]}): "
              "run Scripts/check-budgets.py --tighten with the same directories")
    if failures or stale:
        print(f"check-budgets: {len(failures)} over budget, {len(set(stale))} stale allowlist entries (docs/testing.md)")
        return 1
    print(f"check-budgets: {len(paths)} files within budget ({len(in_scope)} allowlisted offenders)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
