FROM mcr.microsoft.com/windows/servercore:ltsc2022
ENV WINDIR C:\\
RUN echo done
