"""`make bench`: what readers and authors wait for, against budgets far ahead of an explainer that
downloads a ~150 MB model and needs 20-40 s before its first number.

    python -m bench               # everything (about 10 minutes on 2 cores), writes bench/results.md
    python -m bench --smoke       # about a minute, stand-in only (run by `make test`)
    python -m bench --only embed  # one item (or several: --only embed --only memory)
    python -m bench --phone-only  # item 9 alone (the same as --only phone)

One module per item, numbered as the rows are:
    1-4  page.py       first view bytes (1), adding a label (2), time to interactive (3), recompute (4)
    5    embedding.py  the embed step's speed: batching, the shared prefix, threads, batch sizes, onnxruntime
    6    rebuilds.py   incremental rebuilds with `make build` and `make serve`
    7    memory.py     peak memory of a full-size-model build
    8    livemode.py   live mode's download, speed in Chromium and parity; live_label.py: a live label as
                       the reader feels it (Enter to numbers, all templates ready, batch sizes); live_reader.py:
                       the full-size rows timed exactly on the reader's path (labels 1.5 s apart, typed or
                       pasted, the last one's background running; the first own photo, cold and after intent)
    9    phone.py      Lighthouse mobile and interaction latency (full bench only)
    10   occlusion.py  the occlusion map's file and the build's extra time on the full-size model (full bench
                       only; alone: python -m bench.occlusion)
    11   towers.py     inside the towers: a photo's data/towers file (stand-in and full-size), text.json, and
                       the layer slider's redraw, unthrottled and at 4x CPU (full bench only; alone:
                       python -m bench.towers); the text-attention figure in live mode, a label the build did not
                       compute chosen to its cells (stand-in; full-size with item 8's full-size rows, where
                       livememory.py figure_rows measures Chromium's memory with the figure; alone:
                       python -m bench.towers --live SITE)
    12   numbers.py    the deep dive "What the numbers mean": the bytes its figures fetch and its rules' recompute
                       time at 1x and 4x CPU (run with items 1-4)
    13   attack.py     the typographic-attack lab: one photo's stamped vectors (gzip, run with items 1-4) and a
                       typed word's row in live mode on the full-size model (with item 8's full-size rows; alone:
                       python -m bench.attack SITE)
    14   ownscore.py   the score figure for the reader's own photo: one template's vocabulary vectors (bytes,
                       gzip, every template) and the click to the figure drawn with the file cached (run with
                       items 1-4; alone: python -m bench.ownscore, writes bench/results-ownscore.md)
    15   models.py     the model choice (issue 36): a second model's download (model.json, gzip), nothing under
                       models/ with the first view, and the switch time with its data loaded at 1x and 4x CPU, on a
                       two-model site of the small inputs (full bench only; alone: python -m bench.models, writes
                       bench/results-models.md)
common.py holds the table and its budgets; the browser and the static server are explainer/harness.py's,
the same the browser tests use.

Times are medians of several runs. Exit status 1 when any budget is missed.

The smoke run judges only what a slow or busy machine cannot change: bytes, counts of model calls and
of fetched files, and ratios of two speeds measured side by side in the same run. It still prints every
time, marked "timing" and left unjudged: absolute times are judged by the full `make bench` alone.
"""
