// A last word before a fatal signal: while code from a plugin runs (its registration, a method's first
// step), a handler for SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGABRT names that plugin on stderr, then hands the
// signal to whatever handled it before (the Swift runtime's backtracer, or the default: the process
// dies as before). A plugin runs in-process by design; this makes its crash legible, not survivable.
#include "ckernels.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char crash_context[2048];
static volatile sig_atomic_t crash_context_active = 0;
static struct sigaction previous_handlers[NSIG];
static int handlers_installed = 0;
static const int watched_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};

static void write_text(const char *s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(2, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static const char *signal_name(int sig) {
    switch (sig) {
    case SIGSEGV: return "SIGSEGV (invalid memory access)";
    case SIGBUS: return "SIGBUS (bus error)";
    case SIGILL: return "SIGILL (illegal instruction: a Swift runtime trap or a CPU feature the plugin assumed)";
    case SIGFPE: return "SIGFPE (arithmetic fault)";
    case SIGABRT: return "SIGABRT (abort)";
    default: return "a fatal signal";
    }
}

static void on_fatal_signal(int sig) {
    if (crash_context_active) {
        crash_context_active = 0;
        write_text("\nssl-run: fatal ");
        write_text(signal_name(sig));
        write_text(" while running ");
        write_text(crash_context);
        write_text(".\nThe process dies with it: a plugin runs inside ssl-run. Rebuild that plugin against this Pretext, "
                   "fix it, or leave it out (remove --plugin / its PRETEXT_PLUGIN_PATH folder).\n");
    }
    sigaction(sig, &previous_handlers[sig], NULL);
    raise(sig);
}

static void install_handlers(void) {
    if (handlers_installed) return;
    handlers_installed = 1;
    // An alternate stack, so a stack overflow in the plugin still reaches the handler (this thread).
    static char alternate_stack[1 << 16];
    stack_t ss = {.ss_sp = alternate_stack, .ss_size = sizeof alternate_stack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    for (size_t i = 0; i < sizeof watched_signals / sizeof watched_signals[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sa.sa_flags = SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        sigaction(watched_signals[i], &sa, &previous_handlers[watched_signals[i]]);
    }
}

void pretext_crash_context_enter(const char *what) {
    install_handlers();
    strncpy(crash_context, what, sizeof crash_context - 1);
    crash_context[sizeof crash_context - 1] = 0;
    crash_context_active = 1;
}

void pretext_crash_context_leave(void) { crash_context_active = 0; }
