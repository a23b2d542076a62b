# iv_ref.R -- reference values for the 2SLS estimator (models/iv/iv.c, tests/models/test_iv.c).
#
# Run from the repository root:  Rscript scripts/ref/iv_ref.R
# Writes datasets/cigarettes_sw.csv (AER's CigarettesSW with derived columns),
# datasets/generated/iv_ref_fe_data.csv (a generated panel with firm effects), and the
# reference values datasets/generated/iv_ref.csv (model, vcov, quantity, term, value).
#
# Coefficients and standard errors: AER::ivreg + sandwich (vcovHC, vcovCL). Weak-instrument F,
# Wu-Hausman and Sargan: AER's summary(ivreg, diagnostics = TRUE) (its ivdiag), with vcov. set
# to the sandwich function for the robust forms. Cragg-Donald F, Anderson LM, Kleibergen-Paap
# rk Wald F / LM and Hansen J: coded below from Kleibergen & Paap (2006) and ivreg2's
# definitions (ranktest's SVD algorithm; ivreg2's F scaling), independently of the C code,
# which uses an eigen-decomposition route to the same statistics.
suppressMessages({ library(AER); library(sandwich) })
options(digits = 17)

# ---- the cigarette data -----------------------------------------------------------------
data("CigarettesSW", package = "AER")
d <- CigarettesSW
out <- data.frame(state = as.character(d$state), year = as.integer(as.character(d$year)),
                  cpi = d$cpi, population = d$population, packs = d$packs,
                  income = d$income, tax = d$tax, price = d$price, taxs = d$taxs)
out$lpacks <- log(d$packs)
out$lrprice <- log(d$price / d$cpi)
out$lrincome <- log(d$income / d$population / d$cpi)
out$tdiff <- (d$taxs - d$tax) / d$cpi
out$rtax <- d$tax / d$cpi
out$lpacks95 <- ifelse(out$year == 1995, out$lpacks, NA)   # the 1995 cross-section
fmt <- function(df) { for (j in seq_along(df)) if (is.double(df[[j]]))
    df[[j]] <- ifelse(is.na(df[[j]]), "", sprintf("%.17g", df[[j]])); df }
write.csv(fmt(out), "datasets/cigarettes_sw.csv", row.names = FALSE, quote = FALSE)
cig <- read.csv("datasets/cigarettes_sw.csv")   # the numbers goodwork reads

# ---- the generated panel with firm effects ----------------------------------------------
set.seed(20261128)
G <- 60; Tn <- 8; N <- G * Tn
firm <- rep(seq_len(G), each = Tn); year <- rep(seq_len(Tn), G)
a <- rnorm(G)[firm]
z1 <- rnorm(N) + 0.3 * a; z2 <- rnorm(N); z3 <- runif(N)
x1 <- rnorm(N) + 0.5 * a
u <- rnorm(N); v1 <- 0.6 * u + rnorm(N); v2 <- -0.4 * u + rnorm(N)
d1 <- 0.8 * z1 + 0.5 * z2 + 0.3 * x1 + a + v1
d2 <- 0.4 * z1 - 0.7 * z3 + 0.6 * z2 + 0.5 * a + v2
y <- 1 + 0.5 * x1 + 1.5 * d1 - 0.8 * d2 + 2 * a + u
fe <- data.frame(firm = firm, year = year, y = y, x1 = x1, d1 = d1, d2 = d2,
                 z1 = z1, z2 = z2, z3 = z3)
write.csv(fmt(fe), "datasets/generated/iv_ref_fe_data.csv", row.names = FALSE, quote = FALSE)
fe <- read.csv("datasets/generated/iv_ref_fe_data.csv")

rows <- list()
put <- function(model, vcov, quantity, term, value)
    rows[[length(rows) + 1L]] <<- data.frame(model = model, vcov = vcov, quantity = quantity,
                                             term = term, value = sprintf("%.17g", value))

# ---- hand-coded weak-identification and over-identification statistics -----------------
resid_on <- function(A, B) if (is.null(A) || ncol(A) == 0) B else qr.resid(qr(A), B)
# X1 endogenous, X2 included exogenous (NULL allowed), Z1 excluded instruments, y response.
# cl: cluster codes or NULL (robust); dfabs: degrees of freedom absorbed by fixed effects that
# have been partialled out of every column already; dfabs_cl: those that count for clusters.
ivstats <- function(y, X1, X2, Z1, kind, cl = NULL, dfabs = 0, dfabs_cl = 0) {
    N <- nrow(X1); K1 <- ncol(X1); L1 <- ncol(Z1); L <- L1 + (if (is.null(X2)) 0 else ncol(X2))
    Xt <- resid_on(X2, X1); Zt <- resid_on(X2, Z1)
    Pi <- qr.coef(qr(Zt), Xt); E <- Xt - Zt %*% Pi
    # Cragg-Donald F and Anderson LM
    XPX <- crossprod(Zt %*% Pi); EE <- crossprod(E)
    ev <- min(Re(eigen(solve(EE, XPX))$values))
    cd_f <- ev * (N - L - dfabs) / L1
    anderson <- N * ev / (1 + ev)
    # Kleibergen-Paap (ranktest's algorithm, full-rank test)
    Fm <- chol(crossprod(Zt)); Gm <- chol(crossprod(Xt))
    Th <- Fm %*% Pi %*% solve(Gm)
    s <- svd(Th, nu = L1, nv = K1); U <- s$u; V <- s$v
    q <- K1
    u22 <- U[q:L1, q:L1, drop = FALSE]; v22 <- V[q:K1, q:K1, drop = FALSE]
    sq <- function(M) {
        e <- eigen(M, symmetric = TRUE)
        e$vectors %*% diag(sqrt(pmax(e$values, 0)), nrow(M)) %*% t(e$vectors)
    }
    aq <- U[, q:L1, drop = FALSE] %*% solve(u22) %*% sq(u22 %*% t(u22))
    bq <- sq(v22 %*% t(v22)) %*% solve(t(v22)) %*% t(V[, q:K1, drop = FALSE])
    lam <- kronecker(bq, t(aq)) %*% as.vector(Th)
    rk <- function(Eres) {
        Sc <- matrix(0, N, K1 * L1)
        for (i in 1:N) Sc[i, ] <- kronecker(Eres[i, ], Zt[i, ])
        if (!is.null(cl)) Sc <- rowsum(Sc, cl)
        S <- crossprod(Sc)
        kz <- kronecker(solve(t(Gm)), solve(t(Fm)))
        Vh <- kz %*% S %*% t(kz)
        M <- kronecker(bq, t(aq))
        Vl <- M %*% Vh %*% t(M)
        drop(t(lam) %*% solve(Vl, lam))
    }
    out <- list(cd_f = cd_f, anderson = anderson, lmdf = L1 - K1 + 1)
    if (kind != "iid") {
        chi_w <- rk(E); chi_lm <- rk(Xt)
        if (is.null(cl)) fac <- (N - L - dfabs) / N
        else { Gn <- length(unique(cl)); fac <- (N - L - dfabs_cl) / (N - 1) * (Gn - 1) / Gn }
        out$kp_f <- chi_w * fac / L1
        out$kp_lm <- chi_lm
    }
    # Sargan (iid) / Hansen J (robust, cluster) at the two-step efficient GMM estimator
    X <- cbind(X2, X1); Z <- cbind(X2, Z1)
    Xh <- qr.fitted(qr(Z), X); b <- qr.coef(qr(Xh), y); e <- drop(y - X %*% b)
    if (L1 > K1) {
        if (kind == "iid") {
            out$overid <- N * sum(qr.fitted(qr(Z), e)^2) / sum(e^2)
        } else {
            ze <- Z * e
            if (!is.null(cl)) ze <- rowsum(ze, cl)
            S <- crossprod(ze); W <- solve(S)
            ZX <- crossprod(Z, X); Zy <- crossprod(Z, y)
            bg <- solve(t(ZX) %*% W %*% ZX, t(ZX) %*% W %*% Zy)
            g <- crossprod(Z, y - X %*% bg)
            out$overid <- drop(t(g) %*% W %*% g)
        }
    }
    out
}

# Partial R2 of the excluded instruments in each first stage.
partial_r2 <- function(X1, X2, Z1) {
    Xt <- resid_on(X2, X1); Zt <- resid_on(X2, Z1)
    sapply(seq_len(ncol(Xt)), function(j) 1 - sum(qr.resid(qr(Zt), Xt[, j])^2) / sum(Xt[, j]^2))
}

emit_fit <- function(model, vname, m, V, diag = NULL) {
    cf <- coef(m)
    for (j in seq_along(cf)) {
        put(model, vname, "estimate", names(cf)[j], cf[j])
        put(model, vname, "std_error", names(cf)[j], sqrt(V[j, j]))
    }
    if (!is.null(diag)) {
        nd <- nrow(diag)
        for (i in seq_len(nd - 2)) put(model, vname, "fs_f", rownames(diag)[i], diag[i, 3])
        put(model, vname, "wu_hausman", "", diag[nd - 1, 3])
        put(model, vname, "wu_hausman_df2", "", diag[nd - 1, 2])
        if (!is.na(diag[nd, 3])) put(model, vname, "sargan_aer", "", diag[nd, 3])
    }
}
emit_stats <- function(model, vname, st, pr2) {
    put(model, vname, "cd_f", "", st$cd_f)
    put(model, vname, "anderson_lm", "", st$anderson)
    if (!is.null(st$kp_f)) {
        put(model, vname, "kp_f", "", st$kp_f)
        put(model, vname, "kp_lm", "", st$kp_lm)
    }
    if (!is.null(st$overid)) put(model, vname, "overid", "", st$overid)
    for (j in seq_along(pr2)) put(model, vname, "partial_r2", as.character(j), pr2[j])
}

# ---- model cig95: the 1995 cross-section (Stock and Watson) ----------------------------
c95 <- subset(cig, year == 1995)
m <- ivreg(lpacks ~ lrincome + lrprice | lrincome + tdiff + rtax, data = c95)
X1 <- cbind(lrprice = c95$lrprice); X2 <- cbind(1, c95$lrincome); Z1 <- cbind(c95$tdiff, c95$rtax)
emit_fit("cig95", "iid", m, vcov(m), summary(m, diagnostics = TRUE)$diagnostics)
emit_stats("cig95", "iid", ivstats(c95$lpacks, X1, X2, Z1, "iid"), partial_r2(X1, X2, Z1))
put("cig95", "iid", "rss", "", sum(residuals(m)^2))
put("cig95", "iid", "r2", "", summary(m)$r.squared)
for (h in c("HC0", "HC1", "HC2", "HC3")) {
    vf <- function(x) vcovHC(x, type = h)
    emit_fit("cig95", tolower(h), m, vf(m), summary(m, vcov. = vf, diagnostics = TRUE)$diagnostics)
}
emit_stats("cig95", "hc1", ivstats(c95$lpacks, X1, X2, Z1, "hc1"), partial_r2(X1, X2, Z1))

# ---- model cigpanel: both years, clustered by state --------------------------------------
m <- ivreg(lpacks ~ lrincome + lrprice | lrincome + tdiff + rtax, data = cig)
X1 <- cbind(cig$lrprice); X2 <- cbind(1, cig$lrincome); Z1 <- cbind(cig$tdiff, cig$rtax)
vf <- function(x) vcovCL(x, cluster = cig$state, type = "HC1")
emit_fit("cigpanel", "iid", m, vcov(m), summary(m, diagnostics = TRUE)$diagnostics)
emit_fit("cigpanel", "cluster:state", m, vf(m),
         summary(m, vcov. = vf, diagnostics = TRUE)$diagnostics)
emit_stats("cigpanel", "cluster:state",
           ivstats(cig$lpacks, X1, X2, Z1, "cluster", cl = cig$state), partial_r2(X1, X2, Z1))

# ---- model fe: firm effects as dummies (LSDV) = the absorbed fit --------------------------
m <- ivreg(y ~ x1 + d1 + d2 + factor(firm) | x1 + z1 + z2 + z3 + factor(firm), data = fe)
Dm <- model.matrix(~ factor(firm), fe)
X1 <- cbind(fe$d1, fe$d2); X2 <- cbind(Dm, fe$x1); Z1 <- cbind(fe$z1, fe$z2, fe$z3)
sel <- c("x1", "d1", "d2")
emit1 <- function(vname, V, diag) {
    for (t in sel) {
        put("fe", vname, "estimate", t, coef(m)[t])
        put("fe", vname, "std_error", t, sqrt(V[t, t]))
    }
    if (!is.null(diag)) {
        nd <- nrow(diag)
        for (i in seq_len(nd - 2)) put("fe", vname, "fs_f", rownames(diag)[i], diag[i, 3])
        put("fe", vname, "wu_hausman", "", diag[nd - 1, 3])
        put("fe", vname, "sargan_aer", "", diag[nd, 3])
    }
}
emit1("iid", vcov(m), summary(m, diagnostics = TRUE)$diagnostics)
vh <- function(x) vcovHC(x, type = "HC1")
emit1("hc1", vh(m), summary(m, vcov. = vh, diagnostics = TRUE)$diagnostics)
# HC2/HC3: the leverage of the model with the dummies (AER's hatvalues.ivreg; lm's for the
# first stages and the Wu-Hausman regression)
for (h in c("HC2", "HC3")) {
    vh <- function(x) vcovHC(x, type = h)
    emit1(tolower(h), vh(m), summary(m, vcov. = vh, diagnostics = TRUE)$diagnostics)
}
# Clustered by firm: the firm effects are nested in the clusters, so goodwork's (N-1)/(N-K)
# leaves them out of K (K = the 3 slopes): CR0 * G/(G-1) * (N-1)/(N-3).
Gn <- length(unique(fe$firm))
Vcl <- vcovCL(m, cluster = ~firm, type = "HC0", cadjust = FALSE) * Gn / (Gn - 1) * (N - 1) / (N - 3)
emit1("cluster:firm", Vcl, NULL)
D <- G  # absorbed degrees of freedom (one set of G firm levels)
put("fe", "iid", "rss", "", sum(residuals(m)^2))
pr2 <- partial_r2(X1, X2, Z1)
emit_stats("fe", "iid", ivstats(fe$y, X1, X2, Z1, "iid"), pr2)
emit_stats("fe", "hc1", ivstats(fe$y, X1, X2, Z1, "hc1"), pr2)
# cluster by firm with the dummies partialled out: L excludes them (dfabs_cl = 0 nested)
Xd <- function(M) resid_on(Dm, M)
st <- ivstats(drop(Xd(cbind(fe$y))), Xd(X1), Xd(cbind(fe$x1)), Xd(Z1), "cluster", cl = fe$firm,
              dfabs = D, dfabs_cl = 0)
emit_stats("fe", "cluster:firm", st, pr2)

res <- do.call(rbind, rows)
con <- file("datasets/generated/iv_ref.csv", "w")
writeLines(sprintf("# made by scripts/ref/iv_ref.R with %s, AER %s, sandwich %s", R.version.string,
                   packageVersion("AER"), packageVersion("sandwich")), con)
write.csv(res, con, row.names = FALSE, quote = FALSE)
close(con)
