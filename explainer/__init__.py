"""The build pipeline of the CLIP explainer, one module per stage:

    content.py  read and validate content/ and photos/      -> Content
    embed.py    CLIP image and text towers, behind cache.py  -> Embeddings
    compute.py  similarities, softmax over the tau grid      -> Numbers
    charts.py   Altair -> Vega-Lite -> Vega, static SVG      -> Charts
    render.py   Markdown + maths + Jinja                     -> HTML
    write.py    a temporary folder swapped into site/

pipeline.py runs them in that order; build.py is the command line. Beside them: serve.py (live
preview), check.py (link check and publishing guard), model.py and standin.py (which weights).
"""
