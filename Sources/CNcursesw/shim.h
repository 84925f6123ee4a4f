#pragma once
// SwiftPM drops pkg-config's -D_XOPEN_SOURCE, so wide-character APIs must be enabled here.
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <ncursesw/ncurses.h>

// Function-like macros and mutable globals do not import into Swift 6: wrap them.
static inline int deni_color_pair(int n) { return (int)COLOR_PAIR(n); }
static inline int deni_a_bold(void) { return (int)A_BOLD; }
static inline int deni_a_reverse(void) { return (int)A_REVERSE; }
static inline int deni_a_dim(void) { return (int)A_DIM; }
static inline int deni_a_underline(void) { return (int)A_UNDERLINE; }
static inline WINDOW *deni_stdscr(void) { return stdscr; }
static inline int deni_lines(void) { return LINES; }
static inline int deni_cols(void) { return COLS; }
static inline int deni_key_resize(void) { return KEY_RESIZE; }
static inline int deni_colors(void) { return COLORS; }
static inline int deni_a_normal(void) { return (int)A_NORMAL; }
static inline int deni_key_code_yes(void) { return KEY_CODE_YES; }
static inline int deni_set_escdelay(int ms) { return set_escdelay(ms); }
// nl_langinfo(CODESET) without importing langinfo.h into Swift: 1 when the locale's charset is UTF-8.
#include <langinfo.h>
#include <string.h>
static inline int deni_locale_is_utf8(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}
