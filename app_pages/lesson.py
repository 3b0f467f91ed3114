"""A lesson: the lecturer's prepared demo, a question to answer before Start, the class's runs."""

from losslab.ui import lesson

lesson.page()
