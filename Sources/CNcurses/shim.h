#ifndef CNCURSES_SHIM_H
#define CNCURSES_SHIM_H
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <langinfo.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <ncursesw/curses.h>

/* Signal handling for the terminal adapter. These are static inline with static state, so every use
 * must stay in ONE Swift file (P2PTerminal/Signals.swift): each object file gets its own copy. */

/* State lives in function-local statics: the Swift importer emits those with the function, while
 * file-scope tentative definitions would not be emitted at all. */
static inline volatile sig_atomic_t *cncurses_pending_slot(void) { static volatile sig_atomic_t v = 0; return &v; }
static inline struct termios *cncurses_termios_slot(void) { static struct termios t; return &t; }
static inline int *cncurses_have_termios_slot(void) { static int v = 0; return &v; }
static inline struct sigaction *cncurses_old_fatal_slot(int sig) { static struct sigaction a[32]; return &a[sig & 31]; }
#define cncurses_pending (*cncurses_pending_slot())
#define cncurses_saved_termios (*cncurses_termios_slot())
#define cncurses_have_termios (*cncurses_have_termios_slot())

/* SIGINT/SIGTERM/SIGHUP: only record the signal; the main loop restores the terminal and exits. */
static void cncurses_on_stop(int sig) { cncurses_pending = sig; }

/* Crash: async-signal-safe minimal restore (leave the alternate screen, show the cursor, reset
 * attributes, restore the saved termios), then hand the signal to whoever had it before. */
static void cncurses_on_fatal(int sig) {
    static const char reset[] = "\033[0m\033[?25h\033[?1049l\r\n";
    ssize_t r = write(STDOUT_FILENO, reset, sizeof reset - 1);
    (void)r;
    if (cncurses_have_termios) tcsetattr(STDIN_FILENO, TCSANOW, &cncurses_saved_termios);
    if (sig > 0 && sig < 32) sigaction(sig, cncurses_old_fatal_slot(sig), NULL);
    else signal(sig, SIG_DFL);
    raise(sig);
}

/* Saves the cooked termios; call before initscr. */
static inline void cncurses_save_termios(void) {
    if (tcgetattr(STDIN_FILENO, &cncurses_saved_termios) == 0) cncurses_have_termios = 1;
}

static inline void cncurses_restore_termios(void) {
    if (cncurses_have_termios) tcsetattr(STDIN_FILENO, TCSANOW, &cncurses_saved_termios);
}

static inline void cncurses_install_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = cncurses_on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* A parent may have started us with these blocked (a thread pool's mask is inherited through
     * fork/exec): then the handler above would never run, and a closed terminal would go unnoticed. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_UNBLOCK, &stop, NULL);
    int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
    for (unsigned i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        struct sigaction fa;
        memset(&fa, 0, sizeof fa);
        sigemptyset(&fa.sa_mask);
        fa.sa_handler = cncurses_on_fatal;
        fa.sa_flags = SA_RESETHAND;
        sigaction(fatal[i], &fa, cncurses_old_fatal_slot(fatal[i]));
    }
}

/* Which stop signal arrived (0 if none). */
static inline int cncurses_pending_signal(void) { return cncurses_pending; }

static inline int cncurses_utf8_locale(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/* ncurses exposes these as macros or functions depending on the build. */
static inline int cncurses_lines(void) { return LINES; }
static inline int cncurses_cols(void) { return COLS; }
static inline chtype cncurses_color_pair(int n) { return COLOR_PAIR(n); }
static inline attr_t cncurses_a_bold(void) { return A_BOLD; }
static inline attr_t cncurses_a_dim(void) { return A_DIM; }
static inline attr_t cncurses_a_reverse(void) { return A_REVERSE; }
static inline attr_t cncurses_a_normal(void) { return A_NORMAL; }
static inline int cncurses_key_code_yes(void) { return KEY_CODE_YES; }
#endif
