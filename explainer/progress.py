"""Progress of a long step on stderr, the way transformers and pip show it (tqdm: count, rate, ETA).

In a terminal it is a live bar. In a log (stderr is not a terminal: CI, a pipe) carriage returns would
pile up into one unreadable line, so the same figures are printed as a new line every few seconds.
"""
import sys

from tqdm import tqdm

LOG_EVERY = 5.0  # seconds between lines when stderr is not a terminal


class _Lines:
    """A file for tqdm that turns each refresh into one plain line (no carriage returns)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        text = text.replace("\r", "").rstrip()
        if text:
            self.stream.write(text + "\n")

    def flush(self):
        self.stream.flush()


class Progress:
    """with Progress(total, "texts") as bar: bar.update(n) — silent when disabled or total is 0."""

    def __init__(self, total, unit, enabled=True, stream=None):
        stream = stream or sys.stderr
        live = stream.isatty()
        log_format = "{desc}: {n_fmt}/{total_fmt} ({percentage:.0f}%), {rate_fmt}, elapsed {elapsed}, ETA {remaining}"
        self.bar = tqdm(total=total, unit=f" {unit}", desc=f"  embedding {unit}",
                        unit_scale=total >= 10_000,  # "516k texts", but "6 photos"
                        disable=not (enabled and total), file=stream if live else _Lines(stream),
                        mininterval=0.2 if live else LOG_EVERY, miniters=None if live else 1, smoothing=0.1,
                        dynamic_ncols=live, bar_format=None if live else log_format)

    def update(self, n):
        self.bar.update(n)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.bar.close()
