# Reference values for tests/survey/test_envipe.py, produced locally with R survey 4.1.1 (R is not
# needed in CI). Input: a CSV export (not committed) of ../shared/data/envipe_2021/envipe2021_TMod_Vic.parquet
# with state = substr(UPM, 1, 2), dark = BP1_24 != "1", rep = BP1_20 == "1" | BP1_22 == "1".
suppressMessages(library(survey)); options(survey.lonely.psu="adjust", digits=15)
v <- read.csv("/tmp/envipe_crimes.csv", colClasses=c(state="character"))
d <- svydesign(ids=~UPM_DIS, strata=~EST_DIS, weights=~FAC_DEL, data=v, nest=TRUE)
out <- list()
for (x in c("dark","rep")) { m <- svymean(as.formula(paste0("~",x)), d); out[[length(out)+1]] <- data.frame(case=paste0(x,"_national"), est=unname(coef(m)), se=unname(SE(m)))
  b <- svyby(as.formula(paste0("~",x)), ~state, d, svymean); for (s in c("09","15","31")) out[[length(out)+1]] <- data.frame(case=paste0(x,"_",s), est=b[s,x], se=b[s,"se"]) }
write.csv(do.call(rbind,out), "envipe_r_reference.csv", row.names=FALSE)
