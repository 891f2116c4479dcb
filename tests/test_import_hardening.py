"""`portal import` on hostile folders: YAML alias bombs, huge or deep front
matter, oversized bodies and symlinks out of the folder fail per file, fast."""
from __future__ import annotations

import os
import time

import pytest

from portal.kb import rendering
from tests.test_kb_import import GOOD, reasons, run_import, write

ALIAS_BOMB = "---\ntitle: Bomb\n" + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 10)) + "---\nbody\n"


@pytest.mark.parametrize(("name", "text", "reason"), [
    ("bomb.md", ALIAS_BOMB, "aliases"),
    ("one-alias.md", "---\ntitle: &t Title\nsummary: *t\n---\nbody", "aliases"),
    ("deep.md", "---\ntitle: T\nx: " + "[" * 5000 + "]" * 5000 + "\n---\nbody", "nesting depth"),
    ("huge-front-matter.md", "---\ntitle: T\nx: '" + "y" * 70_000 + "'\n---\nbody", "front matter is longer"),
    ("huge-body.md", "---\ntitle: T\n---\n" + "word " * (rendering.MAX_SOURCE_CHARS // 5 + 1), "too long"),
    ("brackets.md", "---\ntitle: T\n---\n" + "[" * 20000 + "a" + "](x)" * 5000, None),
])
def test_hostile_files_fail_alone_and_quickly(app, tmp_path, name, text, reason):
    write(tmp_path, name, text)
    write(tmp_path, "good.md", GOOD)
    start = time.process_time()
    report = run_import(app, tmp_path, locale="en")
    assert time.process_time() - start < 5.0
    if reason is None:
        assert report.created == 2 and report.failed == []
    else:
        assert report.created == 1
        assert reason in reasons(report)[name]


def test_symlinks_out_of_the_folder_are_skipped_with_a_reason(app, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = write(outside, "secret.md", "---\ntitle: Secret from outside\n---\nroot:x:0:0")
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    write(folder, "good.md", GOOD)
    write(folder / "sub", "inside.md", GOOD.replace("Connect your webshop", "Inside"))
    os.symlink(secret, folder / "leak.md")
    os.symlink("/etc/passwd", folder / "passwd.md")
    os.symlink(outside, folder / "linked-dir")
    os.symlink(folder / "sub" / "inside.md", folder / "alias-inside.md")  # stays in the folder: fine
    report = run_import(app, folder, locale="en")
    failed = reasons(report)
    assert "points outside" in failed["leak.md"] and "points outside" in failed["passwd.md"]
    assert not any("secret" in path for path, _reason in report.failed if "linked-dir" not in path)
    assert report.created == 3  # good, inside and the link to inside (its own slug)
    from portal.db import session
    from portal.kb.models import Article
    from sqlalchemy import select

    with app.app_context():
        titles = set(session.scalars(select(Article.title)))
    assert "Secret from outside" not in titles
