"""RoPE Explorer entrypoint: `streamlit run streamlit_app.py`.

Navigation lives in explorer.nav; each page in pages/ draws the shared sidebar itself.
"""

from explorer import nav

nav.entry()
