"""The build pipeline of the CLIP explainer, one module per stage:

    content.py  read and validate content/ and photos/      -> Content
    model.py    which checkpoint, its fingerprint and sizes  -> ModelFiles (with ModelShape)
    embed.py    CLIP image and text towers, behind cache.py  -> Embeddings
    compute.py  similarities, softmax over the tau grid      -> Numbers
                modality gap, nearest labels, crowding       -> Figures
    tokens.py   BPE pieces of every label and template       -> the token table
    views.py    the page's view modules, run in one Node process (rows, layouts, sentences)
    charts.py   rows (views) -> Altair -> Vega, static SVG   -> Charts
    data.py     every file the page reads (the snapshot, data/)
    pagecontext.py  what the templates get (first paint asked of views)
    render.py   Markdown + maths + Jinja                     -> HTML
    write.py    a temporary folder swapped into site/

pipeline.py runs them in that order; build.py is the command line. Beside them: serve.py (live
preview), check.py (link check and publishing guard), standin.py (the untrained stand-in checkpoints).
"""
