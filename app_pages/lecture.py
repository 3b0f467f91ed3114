"""A lecture: lessons in sequence; students follow the lecturer's step, the lecturer's phone moves it."""

from losslab.ui import lecture

lecture.page()
