"""Fashion-MNIST CNN Explorer: `streamlit run dashboard.py`.

Sets up navigation and the sidebar shared by every page (ui/shell.py); pages live in pages/.

`streamlit run` reads this file twice. At start it imports it as a module (`dashboard`), finds
`app`, an `st.App` serving this same script, and runs its lifespan hook once per server
process: the warm-up (TensorFlow, the newest run's model) starts then, not when a first visitor
has painted a page (ui/startup.py). Each session then runs it as the page script (`__main__`),
as streamlit.testing does.
"""

import streamlit as st

from ui import startup

if __name__ == "__main__":  # a session's run of the script
    from ui import shell

    shell.run_page(shell.setup())
else:  # imported by `streamlit run dashboard.py`: the server and its start-up hook
    app = st.App(__file__, lifespan=startup.lifespan)
