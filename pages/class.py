"""Class: the server's finished runs on a board, the queue, the challenge, teacher controls."""

from ui.shell import ensure_shell
from ui.views import classroom

ensure_shell()
classroom.render()
