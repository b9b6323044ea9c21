"""Class: the server's finished runs on a board, the queue, the challenge, teacher controls."""

from ui.views import classroom

classroom.render()
