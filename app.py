"""Router: page configuration, the session's language and navigation only (no TensorFlow import here)."""

# Streamlit runs this script as "__main__". Each worker process Dask starts from a script run (the
# app's own local workers, explorer.engine) is spawned by multiprocessing, which imports the main
# script again as "__mp_main__": there it must do nothing (it drew the whole app in every worker,
# in bare mode, and started a warm-up there that built the default networks a second time).
if __name__ == "__main__":
    import streamlit as st

    from ui.cache import warm_up
    from ui.compat import guard_ast_parse
    from ui.classroom import classroom
    from ui.i18n import _, language_selector, start_language
    from ui.memory import start_trimming
    from ui.navigation import HOME, PAGES

    guard_ast_parse()  # before a page is parsed: Python 3.11's parser is not safe across threads
    start_language()  # before anything translated is built: titles, the menu, the page itself
    # An emoji: the browser draws it itself. A ":material/...:" page icon is fetched from fonts.gstatic.com
    # (the Material Symbols font bundled with Streamlit serves the page's icons, not the tab's).
    st.set_page_config(page_title=_("CNN Explorer"), page_icon="🧠", layout="wide",
                       initial_sidebar_state="collapsed" if st.query_params.get("present") == "1" else "auto")
    pages = [st.Page(HOME.path, title=_(HOME.title), icon=HOME.icon, default=True)]
    pages += [st.Page(p.path, title=_(p.title), icon=p.icon) for p in PAGES]
    navigation = st.navigation(pages)
    language_selector()
    classroom(navigation.url_path)  # share, presenter view, a lesson step's banner (ui/classroom.py)
    try:
        navigation.run()
    finally:  # after the first visit's page: the warm-up's imports would hold the GIL while it draws
        warm_up()  # TensorFlow and the default backbone load in the background from the first visit on
        start_trimming()  # what the sessions free goes back to the system (ui/memory.py)
