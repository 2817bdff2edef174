"""Long builds say what they will embed and show their progress (a live bar in a terminal, a line every
few seconds in a log); --device chooses where the model runs."""
import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios

import pytest
from conftest import ROOT

from explainer.content import read_content


def command(small, *extra):
    content, photos, cache, out = small
    return [sys.executable, str(ROOT / "build.py"), "--model", "stand-in", "--out", str(out), "--content",
            str(content), "--photos", str(photos), "--cache", str(cache), "--no-live", *extra]


def expected_texts(content_dir, photos_dir):
    """Texts a cold build embeds, counted independently: (vocabulary + the empty label) x (plain templates +
    ensemble's), plus one caption per photo (the deep dive's objective and empty-label baselines)."""
    content = read_content(content_dir, photos_dir)
    plain = sum(not t.ensemble for t in content.templates)
    has_ensemble = any(t.ensemble for t in content.templates)
    prompts = plain + has_ensemble * len(content.ensemble_templates)
    captions = len({photo.alt for photo in content.photos})
    return (len(content.vocabulary) + 1) * prompts + captions, len(content.photos)


def test_a_cold_build_in_a_log_prints_its_plan_and_plain_progress_lines(small):
    content, photos, *_ = small
    texts, n_photos = expected_texts(content, photos)
    result = subprocess.run(command(small), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    log = result.stderr
    assert (f"embed: {texts:,} texts and {n_photos} photos; the cache has 0 texts and 0 photos; "
            f"{texts:,} texts and {n_photos} photos to embed") in log
    assert "\r" not in log  # a log gets whole lines, never carriage returns
    lines = [line for line in log.splitlines() if line.strip().startswith("embedding texts:")]
    assert len(lines) >= 2, log  # at least the first and the last
    assert lines[-1].strip().startswith(f"embedding texts: {texts}/{texts} (100%)"), lines[-1]
    assert all(re.search(r"texts/s, elapsed [\d:]+, ETA", line) for line in lines), lines
    assert any(line.strip().startswith(f"embedding photos: {n_photos}/{n_photos} (100%)") for line in log.splitlines())
    assert "Loading weights" not in log  # transformers' own bar is noise here

    again = subprocess.run(command(small), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert f"the cache has {texts:,} texts and {n_photos} photos; 0 texts and 0 photos to embed" in again.stderr
    assert "embedding texts" not in again.stderr  # nothing to embed, no bar


def test_a_cold_build_in_a_terminal_shows_a_live_bar_with_rate_and_eta(small):
    """The build under a pseudo-terminal (as a person runs it): tqdm redraws one line with \\r."""
    content, photos, *_ = small
    texts, _ = expected_texts(content, photos)
    pid, fd = pty.fork()
    if pid == 0:  # the child: a 120-column terminal, then the build
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
        os.chdir(ROOT)
        os.execv(sys.executable, command(small))
    output = b""
    for _ in range(100_000):  # bounded: the build ends and the terminal closes long before
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, output.decode(errors="replace")[-2000:]
    text = output.decode(errors="replace")
    redraws = [part for part in text.split("\r") if "embedding texts" in part]
    assert len(redraws) >= 2, text[-2000:]
    assert f"{texts}/{texts}" in redraws[-1] and "texts/s" in redraws[-1] and "100%" in redraws[-1]
    assert re.search(r"\[\d\d:\d\d<", redraws[-1])  # elapsed<remaining, tqdm's ETA


def test_device_cpu_builds_and_cuda_without_a_gpu_is_a_clear_error(small):
    import torch
    result = subprocess.run(command(small, "--device", "cpu"), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA; the error path needs one without")
    small[2].joinpath("embeddings").rename(small[2] / "old-embeddings")  # a cold cache: the model must run
    result = subprocess.run(command(small, "--device", "cuda"), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1
    assert "build failed: --device cuda: torch sees no CUDA device" in result.stderr
    assert "Traceback" not in result.stderr


def test_device_auto_picks_cuda_only_when_torch_sees_it(stand_in):
    import torch

    from explainer.embed import Clip, check_device
    assert check_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    clip = Clip(stand_in.folder, "auto")
    clip.embed_texts(["a photo of a cat."])
    assert clip.device == check_device("auto") and next(clip.model.parameters()).device.type == clip.device


@pytest.mark.skipif("not __import__('torch').cuda.is_available()", reason="needs a CUDA device")
def test_vectors_on_cuda_match_the_cpu_within_float32_rounding(stand_in):
    import numpy as np

    from explainer.embed import Clip
    texts = ["a photo of a cat.", "itap of a great white shark.", "a photo of the small sulphur-crested cockatoo."]
    cpu, _ = Clip(stand_in.folder, "cpu").embed_texts(texts)
    gpu, _ = Clip(stand_in.folder, "cuda").embed_texts(texts)
    np.testing.assert_allclose(cpu, gpu, atol=1e-4)
