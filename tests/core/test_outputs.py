"""Every command's output options write the format their suffix names, or refuse in one line
(issue 17: ``sample --out x.svg`` wrote a PNG named .svg)."""

from __future__ import annotations

import argparse

import pytest

from genai_studio.cli import build_parser
from genai_studio.cli.outputs import FOLDER, NAME, OUTPUT_OPTIONS, output_format
from genai_studio.core.errors import UsageError
from tests.core.test_cli import assert_one_line_error, run_cli


def _commands(parser: argparse.ArgumentParser, prefix=()):
    """(words, parser) of every command that runs, sub-commands included."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if any(isinstance(a, argparse._SubParsersAction) for a in sub._actions):
                    yield from _commands(sub, (*prefix, name))
                else:
                    yield (*prefix, name), sub


COMMANDS = list(_commands(build_parser()))


def test_every_output_option_declares_what_it_writes():
    seen = 0
    for words, parser in COMMANDS:
        declared = parser.get_default("outputs") or {}
        options = [a.dest for a in parser._actions if a.dest in OUTPUT_OPTIONS]
        assert sorted(options) == sorted(declared), (words, options, declared)
        seen += len(options)
    assert seen >= 9  # sample (2), animate, repair (2), dataset create/preview/fonts, train, font


def _required(parser, vae_file, skip: str, tmp_path):
    """The smallest argument list that parses, less the output option ``skip``: every other
    required output gets a name it writes."""
    args = []
    for action in parser._actions:
        if action.dest == "help" or action.dest == skip:
            continue
        if action.option_strings:
            if not action.required:
                continue
            value = vae_file
            if action.dest in OUTPUT_OPTIONS:
                fmt = parser.get_default("outputs")[action.dest][0]
                value = tmp_path / ("ok" + (fmt if fmt not in (NAME, FOLDER) else ""))
            args += [action.option_strings[0], str(value)]
        else:
            args.append(str(next(iter(action.choices)) if action.choices else vae_file))
    return args


@pytest.mark.parametrize("words, parser", COMMANDS, ids=[" ".join(w) for w, _ in COMMANDS])
def test_a_suffix_the_command_does_not_write_is_refused_in_one_line(capsys, tmp_path, vae_file,
                                                                     words, parser):
    declared = parser.get_default("outputs") or {}
    if not declared:
        pytest.skip("writes no file")
    for option, formats in declared.items():
        base = _required(parser, vae_file, option, tmp_path)
        wrong = ".jpg" if ".jpg" not in formats else ".bmp"
        target = tmp_path / f"out{wrong}"
        code, _, err = run_cli(capsys, *words, *base, f"--{option}", target)
        assert_one_line_error(code, err, f"--{option}", wrong, "this writes")
        for fmt in formats:
            if fmt not in (FOLDER, NAME):
                assert fmt in err
        assert not target.exists()


def test_sample_writes_what_its_suffix_names(capsys, tmp_path, vae_file):
    heads = {".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF-"}
    for suffix, head in heads.items():
        out = tmp_path / f"grid{suffix.upper() if suffix == '.svg' else suffix}"
        code, _, err = run_cli(capsys, "sample", vae_file, "--n", "4", "--seed", "1",
                               "--out", out)
        assert code == 0, err
        assert out.read_bytes().startswith(head)


def test_output_format_names_folders_and_names():
    assert output_format("frames/", (".gif", FOLDER)) == FOLDER
    assert output_format("mine", (NAME, ".safetensors")) == NAME
    assert output_format("my.set", (NAME, ".safetensors")) == NAME
    assert output_format("x.SAFETENSORS", (NAME, ".safetensors")) == ".safetensors"
    for bad, formats in (("x.png", (NAME, ".safetensors")), ("dir/", (".png",)),
                         ("noext", (".png",))):
        with pytest.raises(UsageError):
            output_format(bad, formats)
