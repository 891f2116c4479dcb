"""CPU time of hostile inputs: uploads and markdown, next to the old code paths.

Prints, per crafted input, the process CPU seconds the portal spends on it
now and what the former path (full decode + re-encode for uploads; plain
Python-Markdown for markdown) spends in the same run. Needs no data folder.

    python bench/hostile.py            # all inputs
    python bench/hostile.py --smoke    # small sizes (CI)
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

_BENCH = Path(__file__).resolve().parent
# bench/http.py would shadow the standard library's http package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

from PIL import Image, ImageOps  # noqa: E402


def cpu(fn) -> float:
    start = time.process_time()
    try:
        fn()
    except Exception as err:  # noqa: BLE001 - a refusal is a result here
        print(f"      ({type(err).__name__}: {str(err)[:60]})")
    return time.process_time() - start


def old_upload_path(data: bytes) -> None:
    """What attachments.py did before: decode fully, transpose, re-encode."""
    with Image.open(io.BytesIO(data)) as image:
        fmt = image.format
        image.load()
        image = ImageOps.exif_transpose(image)
        image.save(io.BytesIO(), fmt, **({"quality": 90} if fmt != "PNG" else {"optimize": True}))


def uploads(smoke: bool) -> list[tuple[str, bytes]]:
    side = 2000 if smoke else 6300
    out = io.BytesIO()
    Image.new("RGB", (side, side), (200, 30, 30)).save(out, "WEBP", lossless=True)
    cases = [(f"lossless WebP {side}x{side} ({len(out.getvalue())} B)", out.getvalue())]
    tile = Image.frombytes("RGB", (256, 256), os.urandom(256 * 256 * 3))
    w, h = (1280, 720) if smoke else (4800, 2700)
    noisy = Image.new("RGB", (w, h))
    for x in range(0, w, 256):
        for y in range(0, h, 256):
            noisy.paste(tile, (x, y))
    for fmt in ("WEBP", "PNG"):
        out = io.BytesIO()
        noisy.save(out, fmt, **({"lossless": True} if fmt == "WEBP" else {}))
        cases.append((f"{fmt} {w}x{h} noise tiles ({len(out.getvalue()) // 1024} KB)", out.getvalue()))
    out = io.BytesIO()
    w, h = (1600, 1200) if smoke else (7000, 5000)
    Image.new("RGB", (w, h), (90, 90, 90)).save(out, "JPEG", quality=60)
    cases.append((f"JPEG {w}x{h} ({len(out.getvalue()) // 1024} KB)", out.getvalue()))
    return cases


def markdown_inputs(smoke: bool) -> list[tuple[str, str]]:
    n = 400 if smoke else 2000
    return [
        (f"'[' * {n * 10} + 'a' + '](x)' * {n * 5 // 2}", "[" * (n * 10) + "a" + "](x)" * (n * 5 // 2)),
        (f"'[a](' * {n * 2}", "[a](" * (n * 2)),
        (f"'<http://' * {n * 2}", "<http://" * (n * 2)),
        (f"'*a* ' * {n * 10}", "*a* " * (n * 10)),
        (f"'&amp; ' * {n * 10}", "&amp; " * (n * 10)),
        (f"'[' * {n} + 'a'", "[" * n + "a"),
        (f"'*' * {n * 5} + 'a' + '*' * {n * 5}", "*" * (n * 5) + "a" + "*" * (n * 5)),
        (f"'`' * {n * 5} + 'a'", "`" * (n * 5) + "a"),
        (f"'> ' * {n // 2} + 'a'", "> " * (n // 2) + "a"),
        (f"nested lists {n // 10} deep", "".join("    " * i + "- a\n" for i in range(n // 10))),
    ]


def _plain_markdown(text: str, out) -> None:
    import markdown

    start = time.process_time()
    try:
        markdown.markdown(text)
    except RecursionError:
        out.put(-1.0)
        return
    out.put(time.process_time() - start)


def plain_markdown_cpu(text: str, limit: float) -> str:
    """Plain Python-Markdown's CPU time, in a child process killed after ``limit`` s."""
    import multiprocessing

    queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=_plain_markdown, args=(text, queue))
    child.start()
    child.join(limit)
    if child.is_alive():
        child.kill()
        child.join()
        return f">{limit:.0f} (killed)"
    value = queue.get()
    return "RecursionError" if value < 0 else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--old-markdown-limit", type=float, default=15.0,
                        help="seconds plain Python-Markdown may take per input before it is killed")
    args = parser.parse_args()

    from portal import create_app
    from portal.kb import rendering
    from portal.tickets import attachments

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "DATA_DIR": "/tmp/portal-bench-hostile"})
    print(f"{'upload':<48} {'portal CPU s':>12} {'old path CPU s':>15}")
    with app.test_request_context("/"):
        for name, data in uploads(args.smoke):
            now = cpu(lambda: attachments.check_file("f", "f", data, 12 * 1024 * 1024))
            old = cpu(lambda: old_upload_path(data))
            print(f"{name:<48} {now:>12.3f} {old:>15.3f}")
        print(f"\n{'markdown':<48} {'portal CPU s':>12} {'plain Python-Markdown CPU s':>28}")
        for name, text in markdown_inputs(args.smoke):
            now = cpu(lambda: rendering.render_markdown(text, embed_hosts=()))
            old = plain_markdown_cpu(text, args.old_markdown_limit)
            print(f"{name:<48} {now:>12.3f} {old:>28}")


if __name__ == "__main__":
    main()
