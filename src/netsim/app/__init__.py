"""The Solara browser view: the page, its session (no Solara), and the network drawing."""
