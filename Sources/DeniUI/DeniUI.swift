// Terminal UI: pure state/reducer/renderer with an ncurses backend.
