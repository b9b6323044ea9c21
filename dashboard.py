"""Fashion-MNIST CNN Explorer: `streamlit run dashboard.py`.

Sets up navigation and the sidebar shared by every page (ui/shell.py); pages live in pages/.
"""

from ui import shell

shell.run_page(shell.setup())
