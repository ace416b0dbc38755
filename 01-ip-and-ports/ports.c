/*
 * ports: says which class a port number belongs to and which service usually uses it,
 * finds the port of a service name, and (-e) lets the OS pick free ports, as it does for
 * any program that does not bind a port itself.
 *
 * Usage: ports [PORT|SERVICE]... | ports -e [N]
 *
 * Mirrors the notes: "Ports and port numbers (0-65535)", "Well-known and dynamic ports",
 * "The OS picks a port for you", "The port is released when the program exits".
 *
 * Try:
 *   terminal 1:  ./ports 22 80 3306 ssh mysql
 *   terminal 2:  ./ports -e 3       (run it twice: different ports, all in the same range)
 *
 * See also: port_check.c (is a port open?), ip_convert.c, resolve.c, local_ips.c.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROGRAM "ports"
#define USAGE_LINE "Usage: ports [PORT|SERVICE]... | ports -e [N]"

/* -e binds this many sockets unless told otherwise, and at most this many. */
#define DEFAULT_EPHEMERAL 3
#define MAX_EPHEMERAL 100
/* The most operands we accept in one run (each one is checked before anything prints). */
#define MAX_OPERANDS 64
/* Where Linux keeps the range it picks ephemeral ports from (absent on macOS). */
#define PORT_RANGE_FILE "/proc/sys/net/ipv4/ip_local_port_range"

/* Print the usage help on stdout (for -h). */
static void print_usage(void)
{
    printf("%s\n", USAGE_LINE);
    printf("A PORT (0-65535): its class and the TCP/UDP services usually on it.\n");
    printf("A SERVICE name (ssh, http, mysql...): its port, from the services database.\n");
    printf("-e [N]: bind N TCP sockets (default %d, at most %d) to port 0 and show the\n",
           DEFAULT_EPHEMERAL, MAX_EPHEMERAL);
    printf("        ports the OS chose, and (on Linux) the range it chooses from.\n");
}

/* A bad command line: one line on stderr naming the problem, exit 2. */
static void usage_error(const char *format, ...)
{
    va_list args;
    fprintf(stderr, "%s: ", PROGRAM);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    exit(2);
}

/* Parse TEXT as a whole decimal number from MIN to MAX into *VALUE; 0 if it is not one. */
static int parse_number(const char *text, long min, long max, long *value)
{
    char *end;
    errno = 0;
    long number = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE || number < min || number > max)
        return 0;
    *value = number;
    return 1;
}

/* Does TEXT look like it was meant as a number ("80", "-1", "80x") rather than a name? */
static int looks_numeric(const char *text)
{
    return text[0] == '\0' || isdigit((unsigned char)text[0]) || text[0] == '-' || text[0] == '+';
}

/* The class of a port in IANA's three-way split, and how it maps onto the notes'
 * two-way split (well-known 0-1023, dynamic 1024-65535). */
static const char *port_class(long port)
{
    if (port <= 1023)
        return "well-known (0-1023)";
    if (port <= 49151)
        return "registered (1024-49151; dynamic in the notes' two-way split)";
    return "dynamic/private (49152-65535)";
}

/* A number: its class and what the services database names it for TCP and for UDP. */
static void explain_port(long port)
{
    /* getservbyport wants the port in network byte order, like sin_port. */
    struct servent *tcp = getservbyport(htons((unsigned short)port), "tcp");
    char tcp_name[64];
    snprintf(tcp_name, sizeof tcp_name, "%s", tcp ? tcp->s_name : "none");
    /* (getservbyport returns a static buffer: copy before the next call reuses it.) */
    struct servent *udp = getservbyport(htons((unsigned short)port), "udp");
    printf("port %ld: %s; tcp %s; udp %s\n", port, port_class(port), tcp_name,
           udp ? udp->s_name : "none");
    if (port == 0)
        printf("  port 0 is never used on the wire: bind() to port 0 asks the OS to pick one\n");
}

/* A name: its port for TCP and for UDP. Returns 0 if the database does not know it. */
static int explain_service(const char *name)
{
    /* Python: socket.getservbyname(name, "tcp") */
    struct servent *service = getservbyname(name, "tcp");
    long tcp_port = service ? ntohs((unsigned short)service->s_port) : -1;
    char official[64] = "";
    if (service)
        snprintf(official, sizeof official, "%s", service->s_name);
    service = getservbyname(name, "udp");
    long udp_port = service ? ntohs((unsigned short)service->s_port) : -1;
    if (service && official[0] == '\0')
        snprintf(official, sizeof official, "%s", service->s_name);
    if (tcp_port < 0 && udp_port < 0)
        return 0;

    printf("service %s: ", name);
    if (tcp_port >= 0 && udp_port == tcp_port)
        printf("port %ld (tcp, udp)", tcp_port);
    else if (tcp_port >= 0 && udp_port >= 0)
        printf("port %ld (tcp), port %ld (udp)", tcp_port, udp_port);
    else if (tcp_port >= 0)
        printf("port %ld (tcp)", tcp_port);
    else
        printf("port %ld (udp)", udp_port);
    if (strcmp(official, name) != 0)           /* an alias, e.g. www for http */
        printf(", official name %s", official);
    printf("\n");
    return 1;
}

/* -e: bind COUNT TCP sockets to port 0 at once, print the ports the OS chose. */
static int show_ephemeral_ports(int count)
{
    int sockets[MAX_EPHEMERAL];
    int opened = 0, status = 0;

    printf("binding %d TCP socket%s to port 0, the OS chose:\n", count, count == 1 ? "" : "s");
    for (opened = 0; opened < count; opened++) {
        /* 1. A TCP socket. Python: s = socket.socket(socket.AF_INET, socket.SOCK_STREAM) */
        sockets[opened] = socket(AF_INET, SOCK_STREAM, 0);
        if (sockets[opened] < 0) {
            fprintf(stderr, "%s: socket: %s\n", PROGRAM, strerror(errno));
            status = 1;
            break;
        }
        /* 2. Bind to 0.0.0.0 port 0: "any address, any port". The kernel picks a free port
         *    from its ephemeral range. Python: s.bind(("0.0.0.0", 0)) */
        struct sockaddr_in address;
        memset(&address, 0, sizeof address);
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_ANY);
        address.sin_port = htons(0);
        if (bind(sockets[opened], (struct sockaddr *)&address, sizeof address) < 0) {
            fprintf(stderr, "%s: bind 0.0.0.0 port 0: %s\n", PROGRAM, strerror(errno));
            close(sockets[opened]);
            status = 1;
            break;
        }
        /* 3. Ask which port we got. Python: s.getsockname()[1] */
        socklen_t length = sizeof address;
        if (getsockname(sockets[opened], (struct sockaddr *)&address, &length) < 0) {
            fprintf(stderr, "%s: getsockname: %s\n", PROGRAM, strerror(errno));
            close(sockets[opened]);
            status = 1;
            break;
        }
        printf("  port %u\n", (unsigned)ntohs(address.sin_port));
    }

    /* 4. Linux tells us the range it picks from; elsewhere (macOS: sysctl
     *    net.inet.ip.portrange.first/last) the file is missing and we say nothing. */
    FILE *range = fopen(PORT_RANGE_FILE, "r");
    if (range != NULL) {
        long first, last;
        if (fscanf(range, "%ld %ld", &first, &last) == 2)
            printf("ephemeral range (%s): %ld-%ld\n", PORT_RANGE_FILE, first, last);
        fclose(range);
    }

    /* 5. Closing the sockets (or exiting) gives the ports back to the OS. */
    for (int i = 0; i < opened; i++)
        close(sockets[i]);
    if (status == 0)
        printf("closed: the ports are free again\n");
    return status;
}

int main(int argc, char *argv[])
{
    /* Line-buffered stdout: tests and pipes see each line at once. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    int ephemeral = 0;                /* -e given */
    const char *operands[MAX_OPERANDS];
    int count = 0;

    /* Read the command line. Options may come before or after operands; "-1" is an
     * operand (a bad port), not an option. "+" keeps glibc's getopt from reordering
     * argv, so it behaves as on macOS. */
    opterr = 0;
    while (optind < argc) {
        const char *arg = argv[optind];
        int option = -1;
        if (!(arg[0] == '-' && isdigit((unsigned char)arg[1])))
            option = getopt(argc, argv, "+he");
        if (option == -1) {
            if (optind >= argc)
                break;
            if (count == MAX_OPERANDS)
                usage_error("too many operands: at most %d (try '%s -h')", MAX_OPERANDS,
                            PROGRAM);
            operands[count++] = argv[optind++];
            continue;
        }
        if (option == 'h') {
            print_usage();
            return 0;
        }
        if (option == 'e') {
            ephemeral = 1;
            continue;
        }
        usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
    }

    /* -e [N]: let the OS choose ports (steps 1-5 in show_ephemeral_ports). */
    if (ephemeral) {
        long n = DEFAULT_EPHEMERAL;
        if (count > 1)
            usage_error("too many operands: -e takes one count (try '%s -h')", PROGRAM);
        if (count == 1 && !parse_number(operands[0], 1, MAX_EPHEMERAL, &n))
            usage_error("bad count '%s': expected a number from 1 to %d", operands[0],
                        MAX_EPHEMERAL);
        return show_ephemeral_ports((int)n);
    }
    if (count == 0)
        usage_error("missing operand: PORT or SERVICE (try '%s -h')", PROGRAM);

    /* Check every number before printing anything, so a bad one is a clean usage
     * error. A word that starts like a number ("80x") is a bad port unless the
     * services database knows it by that name (IANA lists names like 3com-tsmux). */
    for (int i = 0; i < count; i++) {
        long port;
        if (looks_numeric(operands[i]) && !parse_number(operands[i], 0, 65535, &port)
            && getservbyname(operands[i], NULL) == NULL) {
            usage_error("bad port '%s': expected a number from 0 to 65535", operands[i]);
        }
    }

    /* Explain each operand: a number by getservbyport, a name by getservbyname. */
    int status = 0;
    for (int i = 0; i < count; i++) {
        long port;
        if (parse_number(operands[i], 0, 65535, &port))
            explain_port(port);
        else if (!explain_service(operands[i])) {
            fprintf(stderr, "%s: getservbyname %s: unknown service (not in the services"
                    " database, /etc/services)\n", PROGRAM, operands[i]);
            status = 1;
        }
    }
    endservent();
    return status;
}
