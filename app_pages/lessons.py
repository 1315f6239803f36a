"""Lessons: the bundled walks through the live pages, one per lecture note; a step link opens its page."""

import streamlit as st

from explorer.lessons import LESSONS_DIR, LessonError
from ui.classroom import find_lesson, lesson_link, lessons
from ui.i18n import _

# lessons?lesson=ID&step=K: the step's page, in the step's configuration, with the lesson's banner.
wanted = st.query_params.get("lesson")
if wanted:
    try:
        lesson = find_lesson(wanted)
        raw = st.query_params.get("step", "1")
        number = int(raw) if raw.isdigit() and 1 <= int(raw) <= len(lesson.steps) else 1
        page, query = lesson_link(lesson, number)
        st.switch_page(page, query_params=query)
    except LessonError as exc:
        st.warning(str(exc), icon=":material/school:")

st.title(_("Lessons"))
st.markdown(_("Each lesson follows a lecture note on the live pages. Press **Start**, then **Next** (or the "
              "right arrow key); where a step asks for a prediction, the class guesses before the app reveals "
              "the number it computes. A lesson step is a link too."))
found, problems = lessons()
for lesson in found:
    # One row: the text takes what the button leaves (a column's share cut "시작" to "시." at 1024x768).
    with st.container(border=True, horizontal=True, vertical_alignment="center", wrap=False):
        st.markdown(f"**{_(lesson.title)}**  \n"
                    + _("Lecture note {n}: {title}").format(n=lesson.note, title=_(lesson.note_title))
                    + " · " + _("{k} steps").format(k=len(lesson.steps))
                    + (f"  \n{_(lesson.summary)}" if lesson.summary else ""))
        if st.button(_("Start"), key=f"lessons.start.{lesson.id}", type="primary", icon=":material/play_arrow:",
                     width="content"):
            page, query = lesson_link(lesson, 1)
            st.switch_page(page, query_params=query)
for problem in problems:  # a malformed file: its name and the rule it breaks, never a traceback
    st.error(str(problem), icon=":material/error:")
st.caption(_("A lesson is a TOML file in {folder}: add one and it appears here (the README shows the format).")
           .format(folder=f"`{LESSONS_DIR.name}/`"))
