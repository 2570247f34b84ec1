# Reference values for tests/survey/test_envipe.py, produced locally with R survey 4.1.1 (R is not
# needed in CI). Inputs: CSV exports (not committed) of ../shared/data/envipe_2021, written with
#   pandas.read_parquet(TMod_Vic, columns=[UPM, EST_DIS, UPM_DIS, FAC_DEL, SEXO, BPCOD, BP1_20,
#     BP1_21, BP1_23, BP1_24]).to_csv("envipe_crimes.csv", index=False)
#   pandas.read_parquet(TPer_Vic2, columns=[UPM, EST_DIS, UPM_DIS, FAC_ELE, SEXO, AP7_3_05..15,
#     AP6_4_01, AP6_5_01, AP6_4_02, AP6_5_02, AP6_4_04]).to_csv("envipe_persons.csv", index=False)
# Domains use R's subset() of the full design; rates over two tables (crimes / persons) use one
# design over the stacked rows (same strata and PSUs) and svyratio.
suppressMessages(library(survey)); options(survey.lonely.psu="adjust", digits=15)
cr <- read.csv("envipe_crimes.csv", colClasses="character"); cr[is.na(cr)] <- ""
pe <- read.csv("envipe_persons.csv", colClasses="character"); pe[is.na(pe)] <- ""
cr$state <- substr(cr$UPM, 1, 2); pe$state <- substr(pe$UPM, 1, 2)
cr$crime <- cr$BPCOD != "03"
cr$dark <- as.numeric(cr$BP1_24 != "1"); cr$carpeta <- as.numeric(cr$BP1_24 == "1")
cr$rep <- as.numeric(cr$BP1_20 == "1" | cr$BP1_21 == "1")
cr$distrust <- as.numeric(cr$BP1_23 == "06")
cr$violent <- cr$BPCOD %in% c("05", "11", "13", "14")
pers <- paste0("AP7_3_", sprintf("%02d", 5:15))
pe$victim <- as.numeric(apply(pe[, pers] == "1", 1, any) | (pe$AP6_4_01 == "1" & pe$AP6_5_01 == "1") |
  (pe$AP6_4_02 == "1" & pe$AP6_5_02 == "1") | pe$AP6_4_04 == "1")
dc <- svydesign(ids=~UPM_DIS, strata=~EST_DIS, weights=~as.numeric(FAC_DEL), data=cr, nest=TRUE)
dp <- svydesign(ids=~UPM_DIS, strata=~EST_DIS, weights=~as.numeric(FAC_ELE), data=pe, nest=TRUE)
st <- rbind(data.frame(EST_DIS=cr$EST_DIS, UPM_DIS=cr$UPM_DIS, w=as.numeric(cr$FAC_DEL), SEXO=cr$SEXO,
                       crimes=as.numeric(cr$crime), sexual=as.numeric(cr$BPCOD %in% c("13", "14")),
                       persons=0, victims=0),
            data.frame(EST_DIS=pe$EST_DIS, UPM_DIS=pe$UPM_DIS, w=as.numeric(pe$FAC_ELE), SEXO=pe$SEXO,
                       crimes=0, sexual=0, persons=1, victims=pe$victim))
ds <- svydesign(ids=~UPM_DIS, strata=~EST_DIS, weights=~w, data=st, nest=TRUE)
out <- list()
add <- function(case, est, se) out[[length(out) + 1]] <<- data.frame(case=case, est=unname(est), se=unname(se))
mean_of <- function(case, f, d) { m <- svymean(f, d); add(case, coef(m), SE(m)) }
ratio_of <- function(case, n, d0, d) { r <- svyratio(n, d0, d); add(case, coef(r), SE(r)) }
crimes <- subset(dc, crime)
for (s in c("national", "09", "15", "31")) {
  dd <- if (s == "national") crimes else subset(crimes, state == s)
  mean_of(paste0("dark_", s), ~dark, dd)
  mean_of(paste0("sdg_", s), ~rep, subset(dc, violent & (s == "national" | state == s)))
}
mean_of("carpeta_national", ~carpeta, crimes)
mean_of("rep_national", ~rep, crimes)
mean_of("distrust_national", ~distrust, subset(dc, crime & BP1_23 != ""))
for (b in list(c("robbery", "05"), c("assault", "11"), c("sexual", "13", "14")))
  mean_of(paste0("sdg_", b[1]), ~rep, subset(dc, BPCOD %in% b[-1]))
mean_of("prevalence_national", ~victim, dp)
ratio_of("incidence_national", ~crimes, ~persons, ds)
ratio_of("concentration_national", ~crimes, ~victims, ds)
ratio_of("sexual_female", ~sexual, ~persons, subset(ds, SEXO == "2"))
write.csv(do.call(rbind, out), "envipe_r_reference.csv", row.names=FALSE)
